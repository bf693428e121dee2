"""Reading an uploaded file in batches of rows: bounded memory whatever the file's size.

The batches are numbered and always cut at the same records, so a worker that resumes after a
failure (or a stop) can skip the batches its checkpoint says are stored and find the next one
exactly as the first attempt saw it. Every row is still read and validated from the top: the
generic format numbers identical rows across the whole file (`row_<h>_<n>`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO

from tradetrack.imports.formats import FORMATS, Finisher
from tradetrack.imports.models import ImportFormat
from tradetrack.imports.parsing import latest_fill_time, parse_record
from tradetrack.imports.table import Record, csv_rows, table_rows
from tradetrack.imports.text import check_lines, not_utf8
from tradetrack.models.executions import ExecutionIn, Source


@dataclass
class Batch:
    index: int  # 0-based
    source: Source
    rows: int = 0  # data rows read (fills + rejected)
    items: list[ExecutionIn] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason), in line order


def batches(
    text: TextIO,
    import_format: ImportFormat,
    *,
    account_id: str,
    size: int,
    now: datetime | None = None,
) -> Iterator[Batch]:
    """The file's data rows in batches of `size` (the last may be smaller; a header-only file gives
    none). `text` is the file opened as UTF-8 with newline="". Raises the errors of a whole-file
    import (SemanticError for encoding or malformed CSV, ValidationFailed for the header) when the
    reading reaches them."""
    spec = FORMATS[import_format]
    latest = latest_fill_time(now)
    seen: Counter[str] = Counter()
    try:
        _, records = table_rows(csv_rows(check_lines(text)), spec.required)
        batch = Batch(0, spec.source)
        for record in records:
            if isinstance(record, Record):
                parsed = parse_record(record, to_fields=spec.to_fields, account_id=account_id, latest=latest)
            else:
                parsed = record
            if isinstance(parsed, ExecutionIn):
                batch.items.append(parsed)
            else:
                batch.rejected.append(parsed)
            batch.rows += 1
            if batch.rows >= size:
                yield _finished(batch, spec.finish, seen)
                batch = Batch(batch.index + 1, spec.source)
        if batch.rows:
            yield _finished(batch, spec.finish, seen)
    except UnicodeDecodeError:
        raise not_utf8() from None


def _finished(batch: Batch, finish: Finisher | None, seen: Counter[str]) -> Batch:
    if finish is not None:
        batch.items = finish(batch.items, seen)
    batch.rejected.sort()
    return batch
