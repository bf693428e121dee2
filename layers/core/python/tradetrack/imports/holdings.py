"""Zerodha holdings exports read as opening positions: Console's XLSX statement and Kite's CSV.

Zerodha does not document either file column by column; the layouts below were confirmed against
real downloads kept in public repositories and against public parsers of them:

* Console → Portfolio → Holdings → download (XLSX). Title rows come first — `Client ID`, a line
  `Equity Holdings Statement as on 2026-03-31` and a Summary block — then, from column B, the
  table `Symbol, ISIN, Sector, Quantity Available, Quantity Discrepant, Quantity Long Term,
  Quantity Pledged (Margin), Quantity Pledged (Loan), Average Price, Previous Closing Price,
  Unrealized P&L, Unrealized P&L Pct.`. The first sheet is Equity (then Mutual Funds, Combined),
  and only the first sheet is read.
* Kite web → Holdings → download (CSV): `Instrument, Qty., Avg. cost, LTP, Cur. val, P&L,
  Net chg., Day chg.`; newer files add `Invested`, quote every header cell and end each row with
  an empty column (27Krishnan/WealthTracker `holdings.csv`, amitranjan011/StockJournal
  `holdings.csv`). No ISIN, no statement date; rows with `Qty.` 0 appear for sold-out holdings.

Either file may carry title rows: the header is the first of the first 30 rows that has a symbol
column (Symbol or Instrument) and a quantity column (Quantity Available or Qty.). XLSX and CSV are
told apart by content, the ZIP signature `PK\\x03\\x04`, not by file name.

Quantity. Kite's `Qty.` is the holding. Console splits the demat balance into buckets, and the
holding is Quantity Available + Quantity Discrepant + Quantity Pledged (Margin) + Quantity Pledged
(Loan):
  - pledged shares stay in the client's demat, only blocked for sale until unpledged (Zerodha
    support, "Terms of Service for pledging", support.zerodha.com/category/console/portfolio/
    pledging/articles/pledging-terms-of-services), so they are still held;
  - discrepant shares are held but lack a Zerodha buy trade (transferred in from another demat
    account; Zerodha support, "Why is the buy average … shown as a discrepancy?");
  - Quantity Long Term is NOT added: it is the part of the available shares held for over a year
    (the LTCG split), a breakdown of Quantity Available, never extra shares. In every public sample
    it is at most Quantity Available (e.g. Available 11, Long Term 11, Pledged (Margin) 4 is a
    holding of 15), and parsers of the real file that count it twice were fixed for that bug.

Rows. A blank row, or a totals line (symbol cell "Total"/"Grand Total", no average price), is
skipped. A row is rejected with its reason when its quantity is 0 or negative, a quantity is not
a whole number, the average price is missing, not a plain decimal or not above zero (a zero cost
basis would fake the P&L of every later sale), or its ISIN fails the ISO 6166 check. Lines are the
spreadsheet row number (XLSX) or the physical line (CSV).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from tradetrack.errors import PayloadTooLarge, SemanticError, ValidationFailed
from tradetrack.imports import fields
from tradetrack.imports.fields import RowError
from tradetrack.imports.table import MAX_ROWS, Record, column_key, csv_rows, read_table
from tradetrack.imports.text import MAX_CSV_BYTES, check_text
from tradetrack.imports.xlsx import XlsxError, XlsxTooLarge, read_xlsx_rows
from tradetrack.instruments.isin import normalize_isin

HEADER_SCAN_ROWS = 30
_ZIP_MAGIC = b"PK\x03\x04"
_SYMBOL_COLUMNS = ("symbol", "instrument")
_QUANTITY_COLUMNS = ("quantity_available", "qty")
_PRICE_COLUMNS = ("average_price", "avg_cost")
# Console buckets held on top of Quantity Available (never Quantity Long Term: see the docstring).
_EXTRA_QUANTITY_COLUMNS = ("quantity_discrepant", "quantity_pledged_(margin)", "quantity_pledged_(loan)")
_TOTAL = re.compile(r"(grand\s+)?totals?\s*:?", re.IGNORECASE)
_GROUPED = re.compile(r"\d{1,3}(,\d{2,3})+(\.\d+)?")  # 1,234.50 or the Indian 1,23,456.50
_AS_ON = re.compile(r"\bas\s+(?:on|of)\b\s*:?\s*(.*)", re.IGNORECASE)
_EXCEL_SERIAL = re.compile(r"[1-9]\d{4}")  # days since 1899-12-30, 5 digits: 1973 to 2173
_EXCEL_EPOCH = date(1899, 12, 30)
_DECIMAL = re.compile(r"\d+\.\d+")


@dataclass(frozen=True)
class HoldingRow:
    symbol: str
    isin: str | None
    quantity: int
    average_price: Decimal
    line: int
    long_term: int = 0  # Console's "Quantity Long Term": of `quantity`, held for over a year


@dataclass
class HoldingsParse:
    rows: list[HoldingRow] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason), in line order
    as_of: date | None = None  # the statement date, when the file states one


@dataclass(frozen=True)
class _Columns:
    symbol: str
    quantity: str
    price: str
    extra_quantities: tuple[str, ...]
    labels: dict[str, str]  # column key → the header text, for reasons shown to the user

    def label(self, key: str) -> str:
        return self.labels.get(key, key)


def parse_holdings(data: bytes | str) -> HoldingsParse:
    """Holdings from a Console XLSX/CSV or Kite CSV export; whole-file problems raise AppErrors.

    413 when the file or its rows are over the limits, 422 when it is neither a readable XLSX nor
    UTF-8 CSV, 400 when no holdings header is found in the first 30 rows or it has no price column.
    """
    if isinstance(data, bytes) and data.startswith(_ZIP_MAGIC):
        return _parse_xlsx(data)
    text = data if isinstance(data, str) else data.decode("utf-8", errors="replace")
    return _parse_csv(check_text(text))


def _parse_xlsx(data: bytes) -> HoldingsParse:
    if len(data) > MAX_CSV_BYTES:
        raise PayloadTooLarge(
            f"the workbook is {len(data)} bytes; at most {MAX_CSV_BYTES} bytes are accepted",
            details=[{"field": "file", "limitBytes": MAX_CSV_BYTES}],
        )
    try:
        grid = read_xlsx_rows(data, max_rows=MAX_ROWS + HEADER_SCAN_ROWS)
    except XlsxTooLarge as exc:
        raise PayloadTooLarge(f"the workbook is too large: {exc}", details=[{"field": "file"}]) from None
    except XlsxError as exc:
        raise SemanticError(
            f"the file is not a readable XLSX workbook: {exc}", details=[{"field": "file"}]
        ) from None
    numbered = [(index + 1, [cell.strip() for cell in row]) for index, row in enumerate(grid)]
    found = _find_header(numbered)
    if found is None:
        raise _no_header()
    header_line, header = found
    columns = _columns(header)
    result = HoldingsParse(as_of=_as_of(cells for line, cells in numbered if line < header_line))
    keys = [column_key(name) for name in header]
    records = (
        Record(line, _cells_by_key(keys, cells)) for line, cells in numbered[header_line:] if any(cells)
    )
    _read_records(records, columns, result)
    return result


def _cells_by_key(keys: Sequence[str], cells: Sequence[str]) -> dict[str, str]:
    by_key: dict[str, str] = {}
    for key, value in zip(keys, cells, strict=False):
        if key and key not in by_key:  # the first of two same-named columns wins
            by_key[key] = value
    return by_key


def _parse_csv(text: str) -> HoldingsParse:
    found = _find_header(_csv_rows(text))
    if found is None:
        raise _no_header()
    header_line, header = found
    columns = _columns(header)
    title = io.StringIO(text, newline="")
    above = [title.readline() for _ in range(header_line - 1)]
    table = read_table(title.read(), required=())
    result = HoldingsParse(as_of=_as_of(cells for _, cells in _csv_rows("".join(above))))
    shift = header_line - 1  # read_table numbers the header as line 1
    result.rejected.extend((line + shift, reason) for line, reason in table.rejected)
    _read_records((Record(record.line + shift, record.cells) for record in table.records), columns, result)
    return result


def _csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """The first rows of CSV text; stops at a CSV error (read_table reports it with its line)."""
    return csv_rows(text, stop_at_error=True)


def _find_header(rows: Iterable[tuple[int, list[str]]]) -> tuple[int, list[str]] | None:
    for index, (line, cells) in enumerate(rows):
        if index >= HEADER_SCAN_ROWS:
            break
        keys = {column_key(cell) for cell in cells}
        if keys.intersection(_SYMBOL_COLUMNS) and keys.intersection(_QUANTITY_COLUMNS):
            return line, cells
    return None


def _no_header() -> ValidationFailed:
    return ValidationFailed(
        f"no holdings header in the first {HEADER_SCAN_ROWS} rows: expected a Symbol (or Instrument) "
        "column and a Quantity Available (or Qty.) column, as in Zerodha Console or Kite exports",
        details=[{"field": "file", "issue": "missing_columns", "columns": ["symbol", "quantity"]}],
    )


def _columns(header: Sequence[str]) -> _Columns:
    labels: dict[str, str] = {}
    for name in header:
        labels.setdefault(column_key(name), name)

    def first(candidates: Sequence[str]) -> str | None:
        return next((key for key in candidates if key in labels), None)

    symbol, quantity, price = first(_SYMBOL_COLUMNS), first(_QUANTITY_COLUMNS), first(_PRICE_COLUMNS)
    if symbol is None or quantity is None:
        raise _no_header()
    if price is None:
        raise ValidationFailed(
            "the holdings header has no Average Price (or Avg. cost) column",
            details=[{"field": "file", "issue": "missing_columns", "columns": ["average_price"]}],
        )
    extra = tuple(key for key in _EXTRA_QUANTITY_COLUMNS if key in labels) if quantity != "qty" else ()
    return _Columns(symbol, quantity, price, extra, labels)


def _read_records(records: Iterable[Record], columns: _Columns, result: HoldingsParse) -> None:
    for record in records:
        try:
            row = _holding(record, columns)
        except RowError as exc:
            result.rejected.append((record.line, str(exc)))
            continue
        if row is not None:
            result.rows.append(row)
    result.rejected.sort()


def _holding(record: Record, columns: _Columns) -> HoldingRow | None:
    if not any(record.cells.values()):
        return None
    symbol = record.get(columns.symbol)
    if _TOTAL.fullmatch(symbol) and not record.get(columns.price):
        return None  # a totals line; a holding always has its average price
    fields.required(symbol, columns.label(columns.symbol))
    try:
        isin = normalize_isin(record.get("isin"))
    except ValueError as exc:
        raise RowError(str(exc)) from None
    price_label = columns.label(columns.price)
    price = fields.decimal(_plain(fields.required(record.get(columns.price), price_label)), price_label)
    if price <= 0:
        raise RowError(f"{price_label} is 0: a holding needs its buy price")
    quantity = _quantity(record, columns)
    return HoldingRow(symbol, isin, quantity, price, record.line, min(quantity, _long_term(record)))


def _long_term(record: Record) -> int:
    """Console's Quantity Long Term (0 when absent or unreadable: it only dates the units)."""
    value = _plain(record.get("quantity_long_term"))
    return int(value) if value.isdigit() else int(Decimal(value)) if _DECIMAL.fullmatch(value) else 0


def _quantity(record: Record, columns: _Columns) -> int:
    present = [key for key in (columns.quantity, *columns.extra_quantities) if record.get(key)]
    if not present:
        raise RowError(f"{columns.label(columns.quantity)} is empty")
    total = 0
    for key in present:
        label = columns.label(key)
        value = _plain(record.get(key))
        if value.startswith("-"):
            raise RowError(f"{label} is negative")
        total += fields.quantity(value, label)
    if total <= 0:
        raise RowError("the quantity held is 0")
    return total


def _plain(value: str) -> str:
    """Digit grouping dropped ("1,23,456.50" → "123456.50"); anything else is left to fields.decimal."""
    return value.replace(",", "") if _GROUPED.fullmatch(value) else value


def _as_of(rows: Iterable[Sequence[str]]) -> date | None:
    """The date after "as on"/"as of" in the title rows, in the same cell or the next filled one."""
    for cells in rows:
        for index, cell in enumerate(cells):
            match = _AS_ON.search(cell)
            if match is None:
                continue
            stated = match[1] or next((later for later in cells[index + 1 :] if later), "")
            day = _statement_date(stated)
            if day is not None:
                return day
    return None


def _statement_date(text: str) -> date | None:
    """ "2026-03-31", "31-03-2026", "15-Jul-2024", "15 July 2024", "2026-03-31 18:00" or an XLSX serial."""
    words = text.split()
    for candidate in (text.strip(), words[0] if words else ""):
        token = candidate.rstrip(".,)")
        if _EXCEL_SERIAL.fullmatch(token):
            return _EXCEL_EPOCH + timedelta(days=int(token))  # an XLSX date cell, 1900 date system
        try:
            return fields.parse_date(token, "as on")
        except RowError:
            continue
    return None
