"""NSE's corporate actions download (the "CF-CA-equities" CSV) read into capital changes.

nseindia.com → Companies → Corporate Filings → Corporate Actions → Download (.csv). Header, every
cell double-quoted, sometimes after a UTF-8 BOM:
`"SYMBOL","COMPANY NAME","SERIES","PURPOSE","FACE VALUE","EX-DATE","RECORD DATE",
"BOOK CLOSURE START DATE","BOOK CLOSURE END DATE"`; dates `DD-Mon-YYYY` (`15-Jul-2024`), a missing
date is `-`, and older files put a space before PURPOSE (`" Bonus 1:2"`). Confirmed against real
downloads kept in public repositories (AakarM1/NSE_Pipeline `data/CF-CA-equities.csv`, 2016-2025;
dharmil07/market-catalyst's 2025-26 file); the file has no ISIN column, so actions carry none
unless an ISIN column is present.

Each row's PURPOSE is read by `purposes.read_purpose`: capital changes become CorporateActions
(source "nse"; a combined purpose gives several, in the text's order); rows stating none are
counted in `ignored`; rows that look like a capital change but are not fully read go to `unknown`
for a person to enter by hand. A capital change without a usable EX-DATE is rejected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from tradetrack.corporate.models import CorporateAction
from tradetrack.corporate.purposes import read_purpose
from tradetrack.imports import fields
from tradetrack.imports.fields import RowError
from tradetrack.imports.table import read_table
from tradetrack.imports.text import check_text
from tradetrack.instruments.isin import normalize_isin

SOURCE = "nse"
REQUIRED = ("symbol", "purpose", "ex_date")
_NSE_DATE = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})")
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}


@dataclass
class ActionsParse:
    actions: list[CorporateAction] = field(default_factory=list)
    ignored: int = 0  # rows whose purpose is no capital change (dividends, AGMs, interest, ...)
    unknown: list[tuple[int, str, str]] = field(default_factory=list)  # (line, symbol, purpose)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


def parse_nse_actions(text: str) -> ActionsParse:
    """The capital changes in an NSE corporate actions CSV; whole-file problems raise AppErrors."""
    table = read_table(check_text(text), REQUIRED)
    result = ActionsParse(rejected=list(table.rejected))
    for record in table.records:
        symbol, purpose = record.get("symbol"), record.get("purpose")
        try:
            fields.required(symbol, "SYMBOL")
            fields.required(purpose, "PURPOSE")
        except RowError as exc:
            result.rejected.append((record.line, str(exc)))
            continue
        reading = read_purpose(purpose)
        if reading.verdict == "not_capital_change":
            result.ignored += 1
            continue
        if reading.verdict == "unknown":
            result.unknown.append((record.line, symbol, purpose))
            continue
        try:
            ex_date = nse_date(record.get("ex_date"), "EX-DATE")
            isin = normalize_isin(record.get("isin"))
        except ValueError as exc:  # RowError is a ValueError too
            result.rejected.append((record.line, str(exc)))
            continue
        result.actions.extend(
            CorporateAction(
                kind=term.kind,
                symbol=symbol,
                isin=isin,
                ex_date=ex_date,
                ratio_from=term.ratio_from,
                ratio_to=term.ratio_to,
                new_symbol=None,
                new_isin=None,
                cost_percent=None,
                source=SOURCE,
                purpose=purpose,
            )
            for term in reading.terms
        )
    result.rejected.sort()
    return result


def nse_date(value: str, column: str) -> date:
    """NSE's `15-Jul-2024` (any letter case; no locale involved), or the imports' numeric formats."""
    if not value or value == "-":
        raise RowError(f"{column} is missing")
    match = _NSE_DATE.fullmatch(value)
    if match is None:
        return fields.parse_date(value, column)
    month = _MONTHS.get(match[2].lower())
    try:
        if month is None:
            raise ValueError(match[2])
        return date(int(match[3]), month, int(match[1]))
    except ValueError:
        raise RowError(f"{column} {value!r} is not a date") from None
