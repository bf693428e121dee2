"""How a failed sync ends (tradetrack.sync.worker): its log, the account's failure count, and on the
last attempt the user's `sync_failed`; a failure of ours (not the broker's) says so."""

from __future__ import annotations

from datetime import datetime

from tradetrack.brokers.base import BrokerError
from tradetrack.db import broker_accounts, sync_logs
from tradetrack.notify.events import NotificationEvent, SyncFailed
from tradetrack.observability import MetricUnit, logger, metrics
from tradetrack.sync.context import Document, SyncContext, SyncOutcome
from tradetrack.sync.notices import publish


def fail_sync(
    ctx: SyncContext, account: Document, sync_id: str, error: BrokerError, *, final: bool, now: datetime
) -> list[NotificationEvent]:
    """The sync's log failed with the broker's (or our) error, the account's failures counted (the
    scheduler's backoff), and on the last attempt the user told (`sync_failed`, returned)."""
    message = f"{error.error_type}: {error.message}"
    sync_logs.update_log(
        ctx.db, sync_id, {"status": "failed", "finishedAt": now, "error": message, "final": final}
    )
    broker_accounts.record_failed_sync(ctx.db, account["_id"], message, now)
    metrics.add_metric(name="SyncFailed", unit=MetricUnit.Count, value=1)
    if not final:
        return []
    events: list[NotificationEvent] = [
        SyncFailed(
            type="sync_failed",
            event_id=f"sync_failed:{sync_id}",
            user_id=account["userId"],
            account_id=account["_id"],
            broker=account["broker"],
            error=message[:1000],
            sync_id=sync_id,
        )
    ]
    publish(ctx.sqs, ctx.settings.notifications_queue_url, events)
    return events


def failed_on_our_side(
    ctx: SyncContext, account: Document, sync_id: str, exc: Exception, *, final: bool
) -> SyncOutcome:
    """A sync that failed before the broker answered, for a reason of TradeTrack's: its log failed
    with the reason (not left running), the user told after the last attempt; `exc` raised again
    when the request is to be retried."""
    failure = BrokerError(
        f"the sync failed on TradeTrack's side ({type(exc).__name__})", error_type="InternalError"
    )
    events = fail_sync(ctx, account, sync_id, failure, final=final, now=ctx.now())
    logger.exception("sync failed on our side", extra={"accountId": account["_id"], "final": final})
    if not final:
        raise exc
    return SyncOutcome(sync_id, "failed", failure.message, events=events)
