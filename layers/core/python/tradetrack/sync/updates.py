"""The trade-updates worker's logic: store a sync's new executions, re-derive their trades, announce.

Safe to run twice for the same message: executions are unique on their identity (a second insert
counts duplicates), recomputation merges facts by execution id, and each trade confirmation has
a stable event id that the notifier delivers once.

A batch of messages is applied together (apply_trade_updates): one insert of all their executions,
each user's pairs recomputed once with every fact of the batch (RECOMPUTE_WORKERS users at a
time, in threads), one round trip for the sync logs' counts and one for the known fills, the
confirmations sent together. A message fails alone when its own executions could not be stored or
its user's recomputation failed.

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
RECOMPUTE_WORKERS = 4  # users of a batch recomputed at once (a batch holds up to 10 messages)


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


@cache_once
def _recomputers() -> ThreadPoolExecutor:
    """The recompute pool, kept across invocations (starting threads per batch is not free)."""
    return ThreadPoolExecutor(max_workers=RECOMPUTE_WORKERS, thread_name_prefix="recompute")


def _recompute_users(
    db: Database[Document], cache: redis.Redis, facts_of: dict[str, list[Document]]
) -> dict[str, list[Document] | Exception]:
    """Each user's recompute (_recompute_user), RECOMPUTE_WORKERS users at a time: users share no
    pair and no lock, and one user's round trips to Mongo and Redis, most of a recompute's time,
    overlap another's work. In the order of the users' ids."""
    users = sorted(facts_of)
    if len(users) <= 1:
        return {user: _recompute_user(db, cache, user, facts_of[user]) for user in users}
    outcomes = _recomputers().map(lambda user: _recompute_user(db, cache, user, facts_of[user]), users)
    return dict(zip(users, outcomes, strict=True))


@collector_paused()  # the cyclic collector paused meanwhile (tradetrack.collector)
def apply_trade_updates(
    db: Database[Document],
    cache: redis.Redis,
    updates: Sequence[TradeUpdate],
    *,
    announce: Announce,
    now: datetime | None = None,
) -> dict[str, AppliedUpdate | Exception]:
    """apply_trade_update for a batch of messages, in bulk; each message's outcome by its key."""
    moment = now or datetime.now(UTC)
    docs = {
        u.key: [to_document(u.user_id, u.broker, item, now=moment) for item in u.executions] for u in updates
    }
    flat = [(key, doc) for key, of_update in docs.items() for doc in of_update]
    report = insert_each(db, [doc for _, doc in flat])
    failed: dict[str, Exception] = {}
    for index, error in sorted(report.failed.items()):
        failed.setdefault(flat[index][0], ExecutionsNotStored(f"an execution was not stored: {error}"))
    by_user: dict[str, list[TradeUpdate]] = defaultdict(list)
    for update in updates:
        if update.key not in failed:
            by_user[update.user_id].append(update)
    facts_of = {
        user_id: [doc for update in group for doc in docs[update.key]] for user_id, group in by_user.items()
    }
    trades_of: dict[str, list[Document]] = {}
    for user_id, outcome in _recompute_users(db, cache, facts_of).items():
        if isinstance(outcome, Exception):
            failed.update(dict.fromkeys((update.key for update in by_user[user_id]), outcome))
        else:
            trades_of[user_id] = outcome
    inserted = {doc["_id"] for doc in report.inserted}
    today = ist_date(moment).isoformat()
    applied: dict[str, AppliedUpdate] = {}
    for update in updates:
        if update.key in failed:
            continue
        ids = {doc["_id"] for doc in docs[update.key]}
        pairs = {(doc["accountId"], doc["instrument"]) for doc in docs[update.key]}
        trades = [t for t in trades_of[update.user_id] if (t["accountId"], t["instrument"]) in pairs]
        new = len(ids & inserted)
        result = confirmations_of(update, trades, docs[update.key], today)
        applied[update.key] = AppliedUpdate(
            new, len(docs[update.key]) - new, len(trades), result.confirmations, result.changed
        )
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
    return {**failed, **applied}
