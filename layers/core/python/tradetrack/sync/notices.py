"""Notification events the sync pipeline produces (shapes in tradetrack.notify.events).

Besides failures (sync_failed, needs_login) and trade confirmations, a successful sync says so to
the user's open WebSocket connections (sync_succeeded), and the first sync of an account that
brought history (the backfill) sends one backfill_summary instead of a confirmation per old trade.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from tradetrack.notify.events import BackfillSummary, NotificationEvent, SyncSucceeded
from tradetrack.notify.sender import send_events

Document = dict[str, Any]


def publish(sqs: Any, queue_url: str, events: Sequence[NotificationEvent], *, workers: int = 1) -> None:
    """To the notifications queue (SendMessageBatch, `workers` of them at a time); without one (a
    stage without notifications) they are logged (tradetrack.notify.sender)."""
    send_events(queue_url, events, what="notification event", sqs=sqs, workers=workers)


def success_events(
    account: Document, sync_id: str, *, fetched: int, sent: int, old: int, since: Document | None
) -> list[NotificationEvent]:
    """What a successful sync announces: sync_succeeded (live), and after a backfill that brought
    `old` fills of past days (their trades get no confirmation each), its one summary; `since` is
    the backfill's record ({"from": "2025-04-01", ...}). Event ids per sync: sent once."""
    events: list[NotificationEvent] = [
        SyncSucceeded(
            type="sync_succeeded",
            event_id=f"sync_succeeded:{sync_id}",
            user_id=account["userId"],
            account_id=account["_id"],
            broker=account["broker"],
            sync_id=sync_id,
            fetched=fetched,
            sent=sent,
        )
    ]
    if old:
        start = (since or {}).get("from")
        events.append(
            BackfillSummary(
                type="backfill_summary",
                event_id=f"backfill_summary:{sync_id}",
                user_id=account["userId"],
                account_id=account["_id"],
                broker=account["broker"],
                sync_id=sync_id,
                fills=old,
                since=date.fromisoformat(start) if isinstance(start, str) else None,
            )
        )
    return events
