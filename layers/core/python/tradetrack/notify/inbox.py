"""The logic behind GET /v1/notifications and POST /v1/notifications/{id}/read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo.database import Database

from tradetrack.db import notifications as repo
from tradetrack.errors import NotFound
from tradetrack.models.notifications import Delivery, NotificationOut, NotificationPage
from tradetrack.pagination import decode_time_id, encode_time_id
from tradetrack.timeutil import to_ist

Document = dict[str, Any]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def to_out(doc: Document) -> NotificationOut:
    read = doc.get("readAt")
    return NotificationOut(
        notification_id=doc["_id"],
        type=doc["type"],
        title=doc["title"],
        message=doc["message"],
        data=dict(doc.get("data") or {}),
        created_at=to_ist(_aware(doc["createdAt"])).isoformat(),
        read_at=to_ist(_aware(read)).isoformat() if read else None,
        deliveries={
            channel: Delivery.model_validate(value)
            for channel, value in (doc.get("deliveries") or {}).items()
        },
    )


def list_inbox(
    db: Database[Document], user_id: str, *, unread_only: bool, limit: int, cursor: str | None
) -> NotificationPage:
    docs = repo.find_for_user(
        db, user_id, unread_only=unread_only, limit=limit + 1, after=decode_time_id(cursor)
    )
    more = len(docs) > limit
    docs = docs[:limit]
    next_cursor = None
    if more and docs:
        last = docs[-1]
        next_cursor = encode_time_id(last["createdAt"], last["_id"])
    return NotificationPage(items=[to_out(doc) for doc in docs], next_cursor=next_cursor)


def mark_read(db: Database[Document], user_id: str, notification_id: str) -> None:
    """Idempotent: reading a read notification keeps its first readAt. Another user's → 404."""
    doc = repo.get_owned(db, user_id, notification_id)
    if doc is None:
        raise NotFound("no such notification")
    if doc.get("readAt") is None:
        repo.mark_read(db, notification_id, datetime.now(UTC))
