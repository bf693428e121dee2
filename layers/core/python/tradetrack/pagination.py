"""List pages (API.md: ?limit=1..500 default 50, opaque ?cursor=, {items, nextCursor})."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any

from tradetrack.errors import ValidationFailed
from tradetrack.json_limits import loads_bounded

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


def encode_cursor(position: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        position = loads_bounded(base64.urlsafe_b64decode(padded.encode("ascii")), field="cursor")
    except (binascii.Error, UnicodeError, ValueError):
        raise ValidationFailed("cursor is not valid", details=[{"field": "cursor"}]) from None
    if not isinstance(position, dict):
        raise ValidationFailed("cursor is not valid", details=[{"field": "cursor"}])
    return position


def encode_time_id(moment: datetime, doc_id: str) -> str:
    """The cursor of a newest-first (time, _id) page after the item with this time and `_id`."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return encode_cursor({"t": aware.isoformat(), "id": doc_id})


def decode_time_id(cursor: str | None) -> tuple[datetime, str] | None:
    """encode_time_id's (time, _id), None without a cursor; 400 for one it did not make."""
    position = decode_cursor(cursor)
    if position is None:
        return None
    try:
        return datetime.fromisoformat(str(position["t"])), str(position["id"])
    except (KeyError, ValueError):
        raise ValidationFailed("cursor is not valid", details=[{"field": "cursor"}]) from None
