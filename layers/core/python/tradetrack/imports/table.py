"""Reading a CSV file into records keyed by normalised column name, with their line numbers."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from tradetrack.errors import PayloadTooLarge, SemanticError, ValidationFailed

MAX_ROWS = 100_000
_SEPARATORS = re.compile(r"[\s\-/.]+")


def column_key(name: str) -> str:
    """ "Trade Date", "trade-date" and "TRADE_DATE" are all `trade_date`."""
    return _SEPARATORS.sub("_", name.strip().lower()).strip("_")


@dataclass(frozen=True)
class Record:
    line: int  # 1-based line where the record starts; the header is line 1
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass
class Table:
    columns: list[str]
    records: list[Record] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # rows unreadable as CSV


def csv_rows(text: str, *, stop_at_error: bool = False) -> Iterator[tuple[int, list[str]]]:
    """CSV rows, trimmed, with the physical line each starts on. Malformed CSV is a 422 naming the
    line, or, with `stop_at_error`, the end of the rows (a caller that only peeks at the top)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    start = 1
    try:
        for row in reader:
            yield start, [cell.strip() for cell in row]
            start = reader.line_num + 1
    except csv.Error as exc:
        if stop_at_error:
            return
        raise SemanticError(f"the CSV is malformed near line {reader.line_num}: {exc}") from None


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    return csv_rows(text)


def read_table(text: str, required: Sequence[str]) -> Table:
    """Header (first non-blank row) and records; 400 naming the required columns that are missing."""
    rows = ((line, cells) for line, cells in _rows(text) if any(cells))
    first = next(rows, None)
    if first is None:
        raise SemanticError("the CSV is empty: it has no header row", details=[{"field": "csv"}])
    columns = [column_key(name) for name in first[1]]
    _check_header(columns, required)
    table = Table(columns=columns)
    width = len(columns)
    for line, cells in rows:
        if len(table.records) + len(table.rejected) >= MAX_ROWS:
            raise PayloadTooLarge(
                f"the CSV has more than {MAX_ROWS} rows; split it into smaller files",
                details=[{"field": "csv", "limitRows": MAX_ROWS}],
            )
        if any(cells[width:]):
            table.rejected.append((line, f"row has {len(cells)} cells but the header has {width}"))
            continue
        cells_by_name = {name: value for name, value in zip(columns, cells, strict=False) if name}
        table.records.append(Record(line, cells_by_name))
    return table


def _check_header(columns: list[str], required: Sequence[str]) -> None:
    seen: set[str] = set()
    repeated: set[str] = set()
    for name in filter(None, columns):
        if name in seen:
            repeated.add(name)
        seen.add(name)
    if repeated:
        raise ValidationFailed(
            f"the header repeats column(s): {', '.join(sorted(repeated))}",
            details=[{"field": "csv", "issue": "duplicate_columns", "columns": sorted(repeated)}],
        )
    missing = [name for name in required if name not in seen]
    if missing:
        raise ValidationFailed(
            f"the CSV is missing required column(s): {', '.join(missing)}",
            details=[{"field": "csv", "issue": "missing_columns", "columns": missing}],
        )
