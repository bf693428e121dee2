"""Each import format's parts, for reading a file whole (service.parse_csv) or in batches (stream)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tradetrack.imports import generic, upstox, zerodha
from tradetrack.imports.models import ImportFormat
from tradetrack.imports.parsing import RowMapper
from tradetrack.models.executions import ExecutionIn, Source

# What a format does to a batch of a file's fills after validation (the generic format's row ids),
# given the counts of the rows before it.
Finisher = Callable[[list[ExecutionIn], Counter[str]], list[ExecutionIn]]


@dataclass(frozen=True)
class Format:
    source: Source
    required: Sequence[str]
    to_fields: RowMapper
    finish: Finisher | None = None


FORMATS: dict[ImportFormat, Format] = {
    "zerodha_tradebook": Format("zerodha", zerodha.REQUIRED, zerodha.to_fields),
    "upstox_trades": Format("upstox", upstox.REQUIRED, upstox.to_fields),
    "generic": Format("import", generic.REQUIRED, generic.to_fields, generic.with_row_ids),
}
