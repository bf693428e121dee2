"""Reading a CSV file into records keyed by normalised column name, with their line numbers."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TextIO

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


def csv_rows(
    text: str | Iterable[str] | TextIO, *, stop_at_error: bool = False
) -> Iterator[tuple[int, list[str]]]:
    """CSV rows, trimmed, with the physical line each starts on. Malformed CSV is a 422 naming the
    line, or, with `stop_at_error`, the end of the rows (a caller that only peeks at the top).
    `text` is the whole file, or its lines as read (a file opened with newline="")."""
    lines = io.StringIO(text, newline="") if isinstance(text, str) else text
    reader = csv.reader(lines, strict=False)
    start = 1
    try:
        for row in reader:
            yield start, [cell.strip() for cell in row]
            start = reader.line_num + 1
    except csv.Error as exc:
        if stop_at_error:
            return
        raise SemanticError(f"the CSV is malformed near line {reader.line_num}: {exc}") from None


def table_rows(
    rows: Iterable[tuple[int, list[str]]], required: Sequence[str]
) -> tuple[list[str], Iterator[Record | tuple[int, str]]]:
    """The header (first non-blank row; 400 naming the required columns that are missing) and the
    records after it, one at a time: a `Record`, or (line, reason) for a row unreadable as one."""
    non_blank = ((line, cells) for line, cells in rows if any(cells))
    first = next(non_blank, None)
    if first is None:
        raise SemanticError("the CSV is empty: it has no header row", details=[{"field": "csv"}])
    columns = [column_key(name) for name in first[1]]
    _check_header(columns, required)
    width = len(columns)

    def records() -> Iterator[Record | tuple[int, str]]:
        for line, cells in non_blank:
            if any(cells[width:]):
                yield line, f"row has {len(cells)} cells but the header has {width}"
                continue
            yield Record(line, {name: value for name, value in zip(columns, cells, strict=False) if name})

    return columns, records()


def read_table(text: str, required: Sequence[str]) -> Table:
    """Header and records of a whole file; 413 past MAX_ROWS rows."""
    columns, records = table_rows(csv_rows(text), required)
    table = Table(columns=columns)
    for record in records:
        if len(table.records) + len(table.rejected) >= MAX_ROWS:
            raise PayloadTooLarge(
                f"the CSV has more than {MAX_ROWS} rows; split it into smaller files",
                details=[{"field": "csv", "limitRows": MAX_ROWS}],
            )
        if isinstance(record, Record):
            table.records.append(record)
        else:
            table.rejected.append(record)
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
