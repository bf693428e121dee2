"""CSV exports that spreadsheets open as data, never as formulas (OWASP "CSV Injection").

Text cells starting with = + - @ tab or carriage return are prefixed with a single quote, so
Excel, LibreOffice and Google Sheets show them as text instead of evaluating them; every cell is
quoted. Numbers (int, Decimal) are written as they are: a negative number is not a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

Cell = str | int | Decimal | datetime | None
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Cell) -> str:
    """The cell's text, made inert for spreadsheet applications."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return f"'{value}" if value.startswith(FORMULA_TRIGGERS) else value


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """A CSV document (CRLF line ends, every cell quoted) with formula-looking text neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([neutralise(name) for name in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue()
