"""The sync worker's logic: one account, one sync (flow 3).

Reads the account's fills, orders and positions within the broker app's rate limit, writes the
sync log, sends the fills the journal does not have yet to the trade-updates queue, and records
the position reconciliation. Retryable broker failures (429, 5xx, timeouts) raise SyncRetry so
SQS delivers the request again (after three receives it lands in the DLQ); the last attempt also
tells the user. A refused or expired token marks the account needs_login instead.

Every sync keeps the orders it read (upserted by broker order id) and replaces the account's
holdings snapshot (tradetrack.sync.orderbook): GET /v1/orders and GET /v1/holdings serve them.
Those writes run on a thread while the new fills go to the queue, and end before the sync goes on.
An account's first sync (the backfill) also stores the holdings as snapshot opening lots of the
day (tradetrack.openings.broker_holdings); a failing holdings call is logged and recorded in the
sync log (`holdingsSnapshot.status: "failed"`, on a first sync `holdings.status` too), never
fails the sync.
Syncs of different accounts may run at once, on threads of one process (functions/sync_worker):
everything shared here is thread-safe (the clients, the order book pool, the collector's counted
pause); one account's syncs never overlap (its Redis lock; in one batch, the worker runs them in turn).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import UTC, datetime
from typing import Any, NamedTuple

from tradetrack.brokers.apps import BrokerApp
from tradetrack.brokers.base import BrokerAuthError, BrokerError, RequestGate
from tradetrack.brokers.limits import redis_gate
from tradetrack.brokers.tokens import decrypt_token
from tradetrack.cache.locks import LockTimeout, redis_lock
from tradetrack.collector import collector_paused
from tradetrack.db import broker_accounts, sync_logs
from tradetrack.db.instrument_aliases import with_isins
from tradetrack.models.executions import ExecutionIn
from tradetrack.notify.events import NotificationEvent
from tradetrack.observability import MetricUnit, logger, metrics
from tradetrack.openings import broker_holdings
from tradetrack.queues import send_all
from tradetrack.sync import known, orderbook
from tradetrack.sync.accounts import mark_needs_login
from tradetrack.sync.charges import with_exact_fees
from tradetrack.sync.context import Document, SyncContext, SyncOutcome, SyncRetry
from tradetrack.sync.failures import fail_sync, failed_on_our_side
from tradetrack.sync.fetch import Fetched, fetch
from tradetrack.sync.fills import to_executions, with_multipliers
from tradetrack.sync.messages import SyncRequest, trade_update_bodies
from tradetrack.sync.notices import publish, success_events
from tradetrack.sync.reconcile import broker_net, pending_net, position_keys, reconcile
from tradetrack.timeutil import ist_date

__all__ = ["SyncContext", "SyncOutcome", "SyncRetry", "sync_account"]


def _utc(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# One order book write in flight per sync, and the sync worker runs up to 4 syncs at once
# (functions/sync_worker): none waits for another's book to be written.
BOOK_WRITERS = 4
_pool_lock = threading.Lock()
_book_pool: list[ThreadPoolExecutor] = []


def _book_writers() -> ThreadPoolExecutor:
    """The order book writes' pool, kept across invocations (starting a thread per sync is not
    free); made once, also when concurrent syncs first ask at once."""
    with _pool_lock:
        if not _book_pool:
            _book_pool.append(ThreadPoolExecutor(max_workers=BOOK_WRITERS, thread_name_prefix="sync-book"))
        return _book_pool[0]


def _gate(ctx: SyncContext, broker: str, app: BrokerApp) -> RequestGate:
    return redis_gate(ctx.cache, broker, app.api_key, deadline=ctx.deadline)


def sync_account(
    ctx: SyncContext, request: SyncRequest, *, attempt: int = 1, max_attempts: int = 3
) -> SyncOutcome:
    with collector_paused():  # tradetrack.collector
        outcome = _sync(ctx, request, attempt=attempt, max_attempts=max_attempts)
    if outcome.status == "skipped" and request.reason == "manual":
        # The user asked for this one and sees its log (queued until now): say why nothing ran.
        sync_logs.update_log(
            ctx.db, outcome.sync_id, {"status": "skipped", "finishedAt": ctx.now(), "error": outcome.reason}
        )
    return outcome


def _sync(ctx: SyncContext, request: SyncRequest, *, attempt: int, max_attempts: int) -> SyncOutcome:
    sync_id = request.sync_id
    account = broker_accounts.get_account(ctx.db, request.account_id, user_id=request.user_id)
    if account is None:
        return SyncOutcome(sync_id, "skipped", "the account is gone (disconnected)")
    if account.get("status") != "active":
        return SyncOutcome(sync_id, "skipped", f"the account is {account.get('status')}")
    last = _utc(account.get("lastSyncAt"))
    if request.reason == "schedule" and last is not None and last >= request.requested_at:
        return SyncOutcome(sync_id, "skipped", "synced since this request was made")
    try:
        with redis_lock(ctx.cache, f"lock:sync:{account['_id']}", ttl_ms=180_000, wait_s=0):
            return _sync_locked(ctx, request, account, attempt=attempt, max_attempts=max_attempts)
    except LockTimeout:
        return SyncOutcome(sync_id, "skipped", "a sync of this account is already running")


def _sync_locked(
    ctx: SyncContext, request: SyncRequest, account: Document, *, attempt: int, max_attempts: int
) -> SyncOutcome:
    sync_id, now = request.sync_id, ctx.now()
    account_id, broker = account["_id"], account["broker"]
    expires = _utc(account.get("tokenExpiresAt"))
    if expires is not None and expires <= now:
        event = mark_needs_login(ctx.db, account, now=now, reason="access token expired")
        publish(ctx.sqs, ctx.settings.notifications_queue_url, [event])
        return SyncOutcome(sync_id, "needs_login", "access token expired", events=[event])

    sync_logs.start_log(
        ctx.db,
        {
            "_id": sync_id,
            "userId": account["userId"],
            "accountId": account_id,
            "broker": broker,
            "reason": request.reason,
            "status": "running",
            "attempt": attempt,
            "startedAt": now,
            "finishedAt": None,
            "fetched": 0,
            "known": 0,
            "sent": 0,
        },
    )
    try:
        app = ctx.app(broker)
        token = decrypt_token(
            ctx.kms, account["tokenCiphertext"], user_id=account["userId"], account_id=account_id
        )
        client = ctx.session(broker, token, gate=_gate(ctx, broker, app), deadline=ctx.deadline)
        fetched = fetch(client, account, request, now)
    except BrokerAuthError as exc:
        sync_logs.update_log(
            ctx.db, sync_id, {"status": "needs_login", "finishedAt": ctx.now(), "error": exc.message}
        )
        event = mark_needs_login(ctx.db, account, now=now, reason=f"{exc.error_type}: {exc.message}")
        publish(ctx.sqs, ctx.settings.notifications_queue_url, [event])
        return SyncOutcome(sync_id, "needs_login", exc.message, events=[event])
    except BrokerError as exc:
        final = not exc.retryable or attempt >= max_attempts
        events = fail_sync(ctx, account, sync_id, exc, final=final, now=ctx.now())
        logger.warning(
            "broker sync failed",
            extra={"accountId": account_id, "broker": broker, "errorType": exc.error_type, "final": final},
        )
        if not final:
            raise SyncRetry(f"{broker} sync of {account_id} failed ({exc.error_type}); retrying") from exc
        return SyncOutcome(sync_id, "failed", exc.message, events=events)
    except Exception as exc:  # ours, not the broker's (the token's KMS decrypt, a store): the log says so
        return failed_on_our_side(ctx, account, sync_id, exc, final=attempt >= max_attempts)

    # The order book and holdings are written on a thread while the fills go to the queue: the
    # store works on those writes (the sync's largest) while this thread does the rest.
    book = _book_writers().submit(
        orderbook.store_book, ctx.db, account, sync_id, now, fetched.orders, fetched.held, fetched.held_error
    )
    try:
        queued = _queue_new(ctx, account, request, fetched)
    except BaseException:
        wait([book])  # nothing of this sync runs on after it has failed
        raise
    executions, rejected, positions, seen, new, sent = queued
    snapshot = book.result()  # the write's own failure fails the sync, as before
    instruments = set(positions) | {item.instrument for item in executions}
    journal = ctx.open_quantities(ctx.db, account["userId"], account_id, sorted(instruments))
    reconciliation = reconcile(positions, journal, pending_net(new), instruments)
    holdings = fetched.holdings_log
    if fetched.holdings is not None:
        # The holding at the start of the sync's IST day: FIFO opens only what the fills before it
        # do not explain (today's fills, on their way to the journal, come after it).
        holdings = broker_holdings.store_broker_holdings(
            ctx.db, ctx.cache, account["userId"], account_id, broker, fetched.holdings, ist_date(now)
        ).log()
    finished = ctx.now()
    log: Document = {
        "status": "success",
        "finishedAt": finished,
        "fetched": len(fetched.fills),
        "known": len(seen),  # already in the journal: not sent (duplicates too, for the API)
        "sent": sent,
        "orders": {"total": len(fetched.orders), "rejected": fetched.rejected_orders},
        "holdingsSnapshot": snapshot,
        "rejectedFills": rejected,
        "reconciliation": reconciliation,
    }
    if holdings is not None:
        log["holdings"] = holdings
    sync_logs.update_log(ctx.db, sync_id, log)
    fields: Document = {
        "lastSyncAt": finished,
        "lastAttemptAt": now,
        "lastSyncStatus": "success",
        "failures": 0,
    }
    if fetched.backfill is not None:
        fields["backfill"] = fetched.backfill
    broker_accounts.set_fields(ctx.db, account_id, fields, unset=("lastError",))
    metrics.add_metric(name="SyncFillsFetched", unit=MetricUnit.Count, value=len(fetched.fills))
    if reconciliation["mismatches"]:
        metrics.add_metric(
            name="SyncPositionMismatches", unit=MetricUnit.Count, value=len(reconciliation["mismatches"])
        )
    return SyncOutcome(
        sync_id,
        "success",
        fetched=len(fetched.fills),
        sent=sent,
        duplicates=len(seen),
        events=_announce_success(ctx, account, request, now, fetched=fetched, new=new),
    )


class _Queued(NamedTuple):
    """What a sync found new and sent to the trade-updates queue."""

    executions: list[ExecutionIn]
    rejected: list[dict[str, Any]]
    positions: dict[str, int]
    seen: set[str]
    new: list[ExecutionIn]
    sent: int


def _queue_new(ctx: SyncContext, account: Document, request: SyncRequest, fetched: Fetched) -> _Queued:
    """The fetched fills as executions; the ones the journal does not have yet, with exact fees
    where the broker tells them, sent to the trade-updates queue."""
    account_id = account["_id"]
    executions, rejected = to_executions(fetched.fills, account_id)
    executions = with_multipliers(with_isins(ctx.db, executions), fetched.positions)
    positions = broker_net(fetched.positions, position_keys(ctx.db, fetched.positions, executions))
    seen = known.known_ids(ctx.cache, account_id, [item.external_id or "" for item in executions])
    new = with_exact_fees(
        fetched.client, fetched.orders, [i for i in executions if i.external_id not in seen]
    )
    sent = _send_new(ctx, account, request.sync_id, new, backfill=request.backfill)
    return _Queued(executions, rejected, positions, seen, new, sent)


def _announce_success(
    ctx: SyncContext,
    account: Document,
    request: SyncRequest,
    now: datetime,
    *,
    fetched: Fetched,
    new: list[ExecutionIn],
) -> list[NotificationEvent]:
    """Publish what a successful sync announces (tradetrack.sync.notices.success_events)."""
    old = sum(1 for item in new if item.trade_date < ist_date(now)) if request.backfill else 0
    events = success_events(
        account, request.sync_id, fetched=len(fetched.fills), sent=len(new), old=old, since=fetched.backfill
    )
    try:
        publish(ctx.sqs, ctx.settings.notifications_queue_url, events)
    except Exception:  # the sync is done and recorded: its notices are not worth doing it again
        logger.exception("sync success notices not sent", extra={"accountId": account["_id"]})
    return events


def _send_new(
    ctx: SyncContext, account: Document, sync_id: str, new: list[ExecutionIn], *, backfill: bool = False
) -> int:
    if not new:
        return 0
    url = ctx.settings.trade_updates_queue_url
    if not url:
        raise RuntimeError("TRADE_UPDATES_QUEUE_URL is not set: new executions have nowhere to go")
    bodies = trade_update_bodies(
        user_id=account["userId"],
        account_id=account["_id"],
        broker=account["broker"],
        sync_id=sync_id,
        executions=new,
        backfill=backfill,
    )
    send_all(ctx.sqs, url, bodies)
    return len(new)
