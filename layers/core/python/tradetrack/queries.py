"""List-query helpers shared by /v1/executions and /v1/trades: time ranges, filters, keyset cursors."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError

from tradetrack.errors import SemanticError, ValidationFailed
from tradetrack.models.executions import Symbol
from tradetrack.pagination import decode_cursor, encode_cursor
from tradetrack.timeutil import IST

Document = dict[str, Any]
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SPACE_FOR_PLUS = re.compile(r" (\d{2}(:?\d{2})?)$")  # "+05:30" whose "+" was decoded as a space
_SYMBOL = TypeAdapter(Symbol)


def aware(moment: datetime) -> datetime:
    """A datetime read from Mongo: UTC, whether or not the client was tz-aware."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _moment(text: str, name: str, *, end: bool) -> tuple[datetime, bool]:
    """A query bound → (UTC instant, exclusive). A date is a whole IST day; naive times are IST."""
    raw = _SPACE_FOR_PLUS.sub(r"+\1", text.strip())
    try:
        if _DATE.match(raw):
            day = date.fromisoformat(raw) + timedelta(days=1 if end else 0)
            return datetime.combine(day, time(), IST).astimezone(UTC), end
        moment = datetime.fromisoformat(raw)
        return (moment.replace(tzinfo=IST) if moment.tzinfo is None else moment).astimezone(UTC), False
    except (ValueError, OverflowError):
        raise ValidationFailed(
            f"{name} must be an ISO 8601 date or date-time",
            details=[{"field": name, "issue": "invalid_datetime", "message": f"not a date: {text[:40]!r}"}],
        ) from None


def time_range(field_name: str, start: str | None, end: str | None) -> Document:
    """A Mongo condition on `field_name` for ?from=&to= (both inclusive; dates cover their IST day)."""
    condition: Document = {}
    lower = _moment(start, "from", end=False)[0] if start else None
    upper = _moment(end, "to", end=True) if end else None
    if lower is not None:
        condition["$gte"] = lower
    if upper is not None:
        condition["$lt" if upper[1] else "$lte"] = upper[0]
    if lower is not None and upper is not None and (upper[0] <= lower if upper[1] else upper[0] < lower):
        # Each bound is valid alone: the pair cannot be applied (422, as the API answers such requests)
        raise SemanticError("from is after to", details=[{"field": "from", "issue": "range"}])
    return {field_name: condition} if condition else {}


def symbol_filter(symbol: str | None) -> Document:
    if symbol is None:
        return {}
    try:
        return {"symbol": _SYMBOL.validate_python(symbol)}
    except ValidationError as exc:
        message = exc.errors()[0].get("msg", "invalid") if exc.errors() else "invalid"
        raise ValidationFailed(
            "symbol is not valid", details=[{"field": "symbol", "message": message}]
        ) from None


def encode_position(kind: str, moment: datetime, object_id: str) -> str:
    return encode_cursor({"k": kind, "t": aware(moment).isoformat(), "id": object_id})


def decode_position(kind: str, cursor: str | None) -> tuple[datetime, str] | None:
    """The (time, id) a keyset page continues after; 400 for a cursor this list did not issue."""
    position = decode_cursor(cursor)
    if position is None:
        return None
    moment, object_id = position.get("t"), position.get("id")
    if position.get("k") != kind or not isinstance(moment, str) or not isinstance(object_id, str):
        raise ValidationFailed("cursor is not valid", details=[{"field": "cursor"}])
    try:
        parsed = datetime.fromisoformat(moment)
    except ValueError:
        raise ValidationFailed("cursor is not valid", details=[{"field": "cursor"}]) from None
    if parsed.tzinfo is None:
        raise ValidationFailed("cursor is not valid", details=[{"field": "cursor"}])
    return parsed.astimezone(UTC), object_id


# ---- trades ----------------------------------------------------------------------------------------
