"""The loop every format shares: records in, validated fills and per-line rejections out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from tradetrack.imports.fields import RowError
from tradetrack.imports.table import Record, read_table
from tradetrack.models.executions import ExecutionIn, Source
from tradetrack.timeutil import as_utc

# How far ahead of the server clock a fill may be (clock skew), beyond which it is rejected.
_FUTURE_SLACK = timedelta(minutes=5)


@dataclass
class ParseResult:
    source: Source
    items: list[ExecutionIn] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason), in line order


RowMapper = Callable[[Record], dict[str, Any]]


def _validation_reason(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(part) for part in err.get("loc", ()))
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def parse_record(
    record: Record, *, to_fields: RowMapper, account_id: str, latest: datetime
) -> ExecutionIn | tuple[int, str]:
    """One record as a fill, or (line, reason) when it is rejected; `latest` is the latest trade
    time accepted (now + the clock skew allowed, `latest_fill_time`)."""
    try:
        row = to_fields(record)
        # Before validation, which allows a day ahead: a file's fill may be 5 minutes ahead.
        if as_utc(row["executedAt"]) > latest:
            raise RowError("the trade time is in the future")
        return ExecutionIn.model_validate({**row, "accountId": account_id})
    except RowError as exc:
        return record.line, str(exc)
    except ValidationError as exc:
        return record.line, _validation_reason(exc)


def latest_fill_time(now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) + _FUTURE_SLACK


def parse_records(
    text: str,
    *,
    source: Source,
    required: Sequence[str],
    to_fields: RowMapper,
    account_id: str,
    now: datetime | None = None,
) -> ParseResult:
    """Map every record with `to_fields` (ExecutionIn fields by alias) and validate it.

    A row that fails is skipped with its reason; the others are returned in file order.
    """
    table = read_table(text, required)
    result = ParseResult(source=source, rejected=list(table.rejected))
    latest = latest_fill_time(now)
    for record in table.records:
        parsed = parse_record(record, to_fields=to_fields, account_id=account_id, latest=latest)
        if isinstance(parsed, ExecutionIn):
            result.items.append(parsed)
        else:
            result.rejected.append(parsed)
    result.rejected.sort()
    return result
