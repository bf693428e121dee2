"""The trade-updates worker's logic: store a sync's new executions, re-derive their trades, announce.

Safe to run twice for the same message: executions are unique on their identity (a second insert
counts duplicates), recomputation merges facts by execution id, and each trade confirmation has
a stable event id that the notifier delivers once.

A batch of messages is applied together (apply_trade_updates), each user's messages as one unit
on a pool of USER_WORKERS threads: one insert of the user's executions, the user's pairs recomputed
once with every fact stored, the confirmations built; so one user's round trips overlap another's
Python work. Then the batch's confirmations are announced together, with one round trip for the
sync logs' counts and one for the known fills. A message fails alone when its own executions could
not be stored; every message of a user fails when the user's insert failed as a whole or their
recomputation failed.

Announced with them: one trades_changed event per user and batch (the ids of every trade that
took a new execution), which the notifier pushes to the user's open WebSocket connections. A
backfill message (an account's first sync) confirms only the trades with a fill of the sync's IST
day: the past days' ones are told by the sync's one backfill summary (tradetrack.sync.notices).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache as cache_once
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.collector import collector_paused
from tradetrack.db import sync_logs
from tradetrack.db.executions import insert_each, insert_executions, to_document
from tradetrack.money import from_scaled
from tradetrack.notify.events import NotificationEvent, TradeConfirmation, trades_changed
from tradetrack.observability import logger
from tradetrack.sync import known
from tradetrack.sync.messages import TradeUpdate
from tradetrack.timeutil import ist_date
from tradetrack.trades import recompute_pairs

Document = dict[str, Any]
Announce = Callable[[list[NotificationEvent]], None]
USER_WORKERS = 6  # users of a batch applied at once (a batch holds up to 10 messages; 4, 6 and 10
# measured in the sync bench: 6 and 10 alike, 4 slower)


class ExecutionsNotStored(RuntimeError):
    """Some of a message's executions failed to insert for a reason other than being known."""


@dataclass
class AppliedUpdate:
    inserted: int
    duplicates: int
    trades: int
    confirmations: list[TradeConfirmation] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # ids of the trades that took a new execution

    def summary(self) -> dict[str, Any]:
        return {"inserted": self.inserted, "duplicates": self.duplicates, "trades": self.trades}


def _price(value: int | None) -> Decimal | None:
    return None if value is None else from_scaled(value)


def confirmation(trade: Document, execution_ids: set[str]) -> TradeConfirmation:
    """The event for a trade that now contains some of this message's executions."""
    last_new = max(eid for eid in trade["executionIds"] if eid in execution_ids)
    return TradeConfirmation(
        type="trade_confirmation",
        event_id=f"trade_confirmation:{trade['_id']}:{last_new}",
        user_id=trade["userId"],
        trade_id=trade["_id"],
        symbol=trade["symbol"],
        exchange=trade["exchange"],
        direction=trade["direction"],
        status=trade["status"],
        quantity=int(trade["quantity"]),
        avg_entry=_price(trade.get("avgEntry")),
        avg_exit=_price(trade.get("avgExit")),
        net_pnl=from_scaled(trade["netPnl"]) if trade["status"] == "closed" else None,
    )


def confirmations_of(
    update: TradeUpdate, trades: list[Document], docs: list[Document], today: str
) -> AppliedUpdate:
    """The trades of this message's executions: every one changed, and the ones confirmed (a
    backfill confirms only the trades with a new fill of `today`, an IST date)."""
    dates = {doc["_id"]: str(doc["tradeDate"]) for doc in docs}
    ids = set(dates)  # built once: a message of 200 fills confirms ~100 trades
    touched = [trade for trade in trades if not ids.isdisjoint(trade["executionIds"])]
    confirmed = [
        trade
        for trade in touched
        if not update.backfill or any(dates.get(eid, "") >= today for eid in trade["executionIds"])
    ]
    return AppliedUpdate(
        0, 0, len(trades), [confirmation(t, ids) for t in confirmed], [t["_id"] for t in touched]
    )


def changes_of(updates: Sequence[TradeUpdate], applied: dict[str, AppliedUpdate]) -> list[NotificationEvent]:
    """One trades_changed event per user for these applied messages."""
    by_user: dict[str, list[str]] = defaultdict(list)
    for update in updates:
        if update.key in applied:
            by_user[update.user_id].extend(applied[update.key].changed)
    return [trades_changed(user, "sync", ids) for user, ids in sorted(by_user.items()) if ids]


def apply_trade_update(
    db: Database[Document], cache: redis.Redis, update: TradeUpdate, *, now: datetime | None = None
) -> AppliedUpdate:
    moment = now or datetime.now(UTC)
    docs = [to_document(update.user_id, update.broker, item, now=moment) for item in update.executions]
    report = insert_executions(db, docs)
    # The account was created by the pipeline, so every execution of its instruments went through
    # recompute with its facts: a pair without a ledger has no executions yet.
    trades = recompute_pairs(
        db,
        cache,
        update.user_id,
        {(doc["accountId"], doc["instrument"]) for doc in docs},
        facts=docs,
        missing_ledger_is_empty=True,
    )
    sync_logs.count_applied(db, update.sync_id, inserted=len(report.inserted), duplicates=report.duplicates)
    known.remember(cache, update.account_id, [doc["externalId"] for doc in docs])
    result = confirmations_of(update, trades, docs, ist_date(moment).isoformat())
    return AppliedUpdate(
        len(report.inserted), report.duplicates, len(trades), result.confirmations, result.changed
    )


def _recompute_user(
    db: Database[Document], cache: redis.Redis, user_id: str, facts: list[Document]
) -> list[Document] | Exception:
    """The user's trades after these facts, or why not (logged: the user's messages are retried)."""
    pairs = {(doc["accountId"], doc["instrument"]) for doc in facts}
    try:
        # Every execution of a pipeline account went through recompute with its facts: a pair
        # without a ledger has no executions yet.
        return recompute_pairs(db, cache, user_id, pairs, facts=facts, missing_ledger_is_empty=True)
    except Exception as exc:
        logger.exception("recompute failed; the user's messages are retried", extra={"userId": user_id})
        return exc


def _apply_user(
    db: Database[Document],
    cache: redis.Redis,
    user_id: str,
    group: Sequence[TradeUpdate],
    docs: dict[str, list[Document]],
    today: str,
) -> dict[str, AppliedUpdate | Exception]:
    """One user's messages of the batch: their executions stored (one insert_many), the user's
    pairs recomputed once with every fact stored, each message's confirmations built; each
    message's outcome by its key. A message whose executions were not all stored fails alone; a
    failed recompute (or an insert that failed as a whole) fails every message of the user."""
    flat = [(update.key, doc) for update in group for doc in docs[update.key]]
    outcomes: dict[str, AppliedUpdate | Exception] = {}
    try:
        report = insert_each(db, [doc for _, doc in flat])
    except Exception as exc:
        logger.exception("executions not stored; the user's messages are retried", extra={"userId": user_id})
        return dict.fromkeys((update.key for update in group), exc)
    for index, error in sorted(report.failed.items()):
        outcomes.setdefault(flat[index][0], ExecutionsNotStored(f"an execution was not stored: {error}"))
    stored = [update for update in group if update.key not in outcomes]
    if not stored:
        return outcomes
    trades_of = _recompute_user(db, cache, user_id, [doc for update in stored for doc in docs[update.key]])
    if isinstance(trades_of, Exception):
        return outcomes | dict.fromkeys((update.key for update in stored), trades_of)
    inserted = {doc["_id"] for doc in report.inserted}
    for update in stored:
        ids = {doc["_id"] for doc in docs[update.key]}
        pairs = {(doc["accountId"], doc["instrument"]) for doc in docs[update.key]}
        trades = [t for t in trades_of if (t["accountId"], t["instrument"]) in pairs]
        new = len(ids & inserted)
        result = confirmations_of(update, trades, docs[update.key], today)
        outcomes[update.key] = AppliedUpdate(
            new, len(docs[update.key]) - new, len(trades), result.confirmations, result.changed
        )
    return outcomes


@cache_once
def _workers() -> ThreadPoolExecutor:
    """The users' pool, kept across invocations (starting threads per batch is not free)."""
    return ThreadPoolExecutor(max_workers=USER_WORKERS, thread_name_prefix="trade-updates")


def _apply_users(
    db: Database[Document],
    cache: redis.Redis,
    by_user: dict[str, list[TradeUpdate]],
    docs: dict[str, list[Document]],
    today: str,
) -> dict[str, AppliedUpdate | Exception]:
    """Each user's _apply_user, USER_WORKERS users at a time: users share no execution, pair or
    lock, and one user's round trips to Mongo and Redis (its insert, its recompute's reads and
    writes), most of a user's time, overlap another's Python work."""

    def apply(user: str) -> dict[str, AppliedUpdate | Exception]:
        return _apply_user(db, cache, user, by_user[user], docs, today)

    users = sorted(by_user)
    outcomes = [apply(user) for user in users] if len(users) <= 1 else list(_workers().map(apply, users))
    return {key: outcome for of_user in outcomes for key, outcome in of_user.items()}


@collector_paused()  # the cyclic collector paused meanwhile (tradetrack.collector)
def apply_trade_updates(
    db: Database[Document],
    cache: redis.Redis,
    updates: Sequence[TradeUpdate],
    *,
    announce: Announce,
    now: datetime | None = None,
) -> dict[str, AppliedUpdate | Exception]:
    """apply_trade_update for a batch of messages, each user's on the pool (_apply_users); then one
    announcement of every applied message's events, one sync-log write and one known-fills write
    for them. Each message's outcome by its key."""
    moment = now or datetime.now(UTC)
    docs = {
        u.key: [to_document(u.user_id, u.broker, item, now=moment) for item in u.executions] for u in updates
    }
    by_user: dict[str, list[TradeUpdate]] = defaultdict(list)
    for update in updates:
        by_user[update.user_id].append(update)
    outcomes = _apply_users(db, cache, by_user, docs, ist_date(moment).isoformat())
    applied = {key: result for key, result in outcomes.items() if not isinstance(result, Exception)}
    if applied:
        confirmations: list[NotificationEvent] = [
            event for result in applied.values() for event in result.confirmations
        ]
        announce(confirmations + changes_of(updates, applied))
        counts: dict[str, tuple[int, int]] = {}
        remembered: dict[str, list[str]] = defaultdict(list)
        for update in updates:
            if update.key in applied:
                was = counts.get(update.sync_id, (0, 0))
                result = applied[update.key]
                counts[update.sync_id] = (was[0] + result.inserted, was[1] + result.duplicates)
                remembered[update.account_id].extend(doc["externalId"] for doc in docs[update.key])
        sync_logs.count_applied_many(db, counts)
        known.remember_many(cache, remembered)
    return {update.key: outcomes[update.key] for update in updates}
