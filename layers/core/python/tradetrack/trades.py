"""Executions in, trades out: recomputation of the (account, instrument) pairs a change touched.

Each pair has a ledger (tradetrack.db.ledgers) holding its fills, the ids of its stored trades and
their category overrides; recomputing with the change's executions ("facts") reads and writes by
`_id` alone. Without facts, or when the ledger cannot be trusted, a pair is read from the
executions and trades collections instead, and its ledger is rewritten.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.analytics.categories import DEFAULT_SWING_DAYS, FNO_SEGMENTS, categorize, holding_days
from tradetrack.analytics.fifo import Fill, Trade, match_fills, trade_id_for
from tradetrack.cache.locks import redis_lock
from tradetrack.db.executions import executions_of_instruments
from tradetrack.db.ledgers import Ledger, Pair, read_ledger, write_ledgers
from tradetrack.db.trades import stored_trades, write_trades
from tradetrack.money import rounded_average
from tradetrack.observability import MetricUnit, logger, metrics

Document = dict[str, Any]
_ANALYTICS_VERSION = "analytics:version:{}"
_MISSING = object()


def to_fill(doc: Document) -> Fill:
    executed = doc["executedAt"]
    return Fill(
        execution_id=doc["_id"],
        side=doc["side"],
        quantity=int(doc["quantity"]),
        price=int(doc["price"]),
        fees=int(doc["fees"]),
        executed_at=executed if executed.tzinfo else executed.replace(tzinfo=UTC),
        product=doc.get("product"),
        sort_key=f"{doc['source']}:{doc['externalId']}",
    )


def _avg(value: int, quantity: int) -> int | None:
    return rounded_average(value, quantity) if quantity else None


def trade_document(
    trade: Trade, sample: Document, *, as_of: datetime, swing_days: int = DEFAULT_SWING_DAYS
) -> Document:
    """The stored form of a derived trade (`sample` is one of its executions, for the instrument)."""
    open_quantity = trade.open_quantity
    return {
        "_id": trade.trade_id,
        "userId": sample["userId"],
        "accountId": sample["accountId"],
        "instrument": sample["instrument"],
        "symbol": sample["symbol"],
        "exchange": sample["exchange"],
        "segment": sample["segment"],
        "isFno": sample["segment"] in FNO_SEGMENTS,
        "direction": trade.direction,
        "status": "open" if trade.is_open else "closed",
        "autoCategory": categorize(trade, as_of=as_of, swing_days=swing_days),
        "openedAt": trade.opened_at,
        "closedAt": trade.closed_at,
        "quantity": trade.quantity,
        "openQuantity": open_quantity,
        "openCost": sum(lot.price * lot.quantity for lot in trade.lots),
        "avgEntry": _avg(trade.entry_value, trade.quantity),
        "avgExit": _avg(trade.exit_value, trade.exit_quantity),
        "entryValue": trade.entry_value,  # exact turnover of each side: the charges schedule's base
        "exitValue": trade.exit_value,
        "exitQuantity": trade.exit_quantity,
        "lastPrice": None,
        "realizedPnl": trade.realized_pnl,
        "charges": trade.charges,
        "netPnl": trade.realized_pnl - trade.charges,
        "holdingDays": holding_days(trade, as_of),
        "executionIds": trade.execution_ids,
        "products": sorted(trade.products),
        "computedAt": as_of,
    }


def derive_trades(docs: list[Document], *, as_of: datetime) -> list[Document]:
    """The trade documents of one (account, instrument) from all of its executions.

    lastPrice is the price of the pair's last fill for an open trade (the mark when there is no
    quote) and of the trade's own last fill for a closed one, so a closed trade stays unchanged
    when later fills arrive."""
    if not docs:
        return []
    fills = {doc["_id"]: to_fill(doc) for doc in docs}
    pair_last = _last_price(fills.values())
    return [
        trade_document(trade, docs[0], as_of=as_of)
        | {"lastPrice": pair_last if trade.is_open else _last_price(fills[e] for e in trade.execution_ids)}
        for trade in match_fills(fills.values())
    ]


def _last_price(fills: Iterable[Fill]) -> int:
    return max(fills, key=lambda f: (f.executed_at, f.execution_id)).price


def bump_analytics_version(cache: redis.Redis, user_id: str) -> None:
    """Any trade change makes cached analytics of this user stale at once."""
    try:
        cache.incr(_ANALYTICS_VERSION.format(user_id))
    except redis.exceptions.RedisError as exc:
        logger.error("analytics version bump failed", extra={"userId": user_id, "error": str(exc)})
        metrics.add_metric(name="AnalyticsVersionBumpFailed", unit=MetricUnit.Count, value=1)


def analytics_version(cache: redis.Redis, user_id: str) -> int:
    return int(cache.get(_ANALYTICS_VERSION.format(user_id)) or 0)


def pair_locks(cache: redis.Redis, user_id: str, pairs: Iterable[Pair]) -> ExitStack:
    """Hold the recompute locks of these pairs, taken in sorted order so that two workers cannot
    deadlock: whatever reads a pair's ledger or trades and writes them back holds its lock."""
    locks = ExitStack()
    try:
        for account, instrument in sorted(set(pairs)):
            key = f"lock:recompute:{user_id}:{account}:{instrument}"
            locks.enter_context(redis_lock(cache, key, ttl_ms=120_000, wait_s=30))
    except BaseException:
        locks.close()
        raise
    return locks


def recompute(
    db: Database[Document],
    cache: redis.Redis,
    user_id: str,
    touched: Iterable[Pair],
    *,
    facts: Sequence[Document] | None = None,
    removed: Collection[str] = (),
    missing_ledger_is_empty: bool = False,
) -> int:
    """recompute_pairs; returns the number of trades those pairs now have."""
    return len(
        recompute_pairs(
            db,
            cache,
            user_id,
            touched,
            facts=facts,
            removed=removed,
            missing_ledger_is_empty=missing_ledger_is_empty,
        )
    )


def recompute_pairs(
    db: Database[Document],
    cache: redis.Redis,
    user_id: str,
    touched: Iterable[Pair],
    *,
    facts: Sequence[Document] | None = None,
    removed: Collection[str] = (),
    missing_ledger_is_empty: bool = False,
) -> list[Document]:
    """Re-derive the trades of the (accountId, instrument) pairs a change touched, store what
    changed, invalidate analytics if anything did, and return every trade those pairs now have.

    With `facts` (execution documents, as stored, that now exist: inserted just now or found
    already there; the pairs they belong to count as touched) and `removed` (ids of executions
    deleted), each pair is read from its ledger and written by `_id` alone. A pair whose ledger
    is missing is read from the executions and trades collections ("the scan"), in one query for
    all of them, unless `missing_ledger_is_empty`: the caller knows every execution of these pairs
    was recorded through recompute with its facts, so no ledger means no execution yet. A ledger
    that overflowed or has another version also means the scan.

    Without facts every pair takes the scan: a rebuild, which also rewrites the ledgers (the
    repair path; see rebuild_ledgers).

    The pairs stay locked from the reads to the writes, so concurrent recomputations of a pair
    run one after the other and each sees what the previous one stored.
    """
    given = None if facts is None else list(facts)
    strangers = [fact["_id"] for fact in given or () if fact["userId"] != user_id]
    if strangers:
        raise ValueError(f"executions of another user: {strangers[:3]}")
    pairs = sorted(set(touched) | {(fact["accountId"], fact["instrument"]) for fact in given or ()})
    if not pairs:
        return []
    with pair_locks(cache, user_id, pairs):
        derived, changed = _recompute_locked(db, user_id, pairs, given, set(removed), missing_ledger_is_empty)
    if changed:
        bump_analytics_version(cache, user_id)
    return derived


def rebuild_ledgers(
    db: Database[Document], cache: redis.Redis, user_id: str, pairs: Iterable[Pair] | None = None
) -> int:
    """Re-derive the user's trades and rewrite their ledgers from the executions and trades
    collections (all of the user's pairs by default): for ops, after a crash between storing
    executions and recomputing them, or when LEDGER_VERSION changes. Returns the trade count."""
    if pairs is None:
        found = [db["executions"].find({"userId": user_id}, {"accountId": 1, "instrument": 1})]
        found.append(db["trades"].find({"userId": user_id}, {"accountId": 1, "instrument": 1}))
        pairs = {(doc["accountId"], doc["instrument"]) for cursor in found for doc in cursor}
    return recompute(db, cache, user_id, pairs)


@dataclass
class _Plan:
    """One pair's recomputation: its ledger, and what its trades were before (by id)."""

    ledger: Ledger
    before: dict[str, Document]
    exact: bool  # `before` was read from the trades collection, not derived from the old ledger


def _plan(
    db: Database[Document],
    user_id: str,
    pairs: list[Pair],
    facts: list[Document] | None,
    missing_ledger_is_empty: bool,
    now: datetime,
) -> tuple[dict[Pair, _Plan], set[str]]:
    """Each pair's ledger (read by `_id`, or built from the scan) and its trades before; and the
    ids of the ledgers that are stored."""
    plans: dict[Pair, _Plan] = {}
    stored: set[str] = set()
    scan: list[Pair] = list(pairs) if facts is None else []
    for pair in pairs if facts is not None else ():
        ledger = read_ledger(db, user_id, pair)
        if ledger is not None:
            stored.add(ledger.id)
        if ledger is None and missing_ledger_is_empty:
            plans[pair] = _Plan(Ledger(user_id, *pair), {}, exact=False)
        elif ledger is None or not ledger.complete:
            scan.append(pair)
        else:
            plans[pair] = _Plan(ledger, _fields_by_id(ledger, now), exact=False)
    if scan:
        executions = executions_of_instruments(db, user_id, scan)
        trades = stored_trades(db, user_id, scan)
        for pair in scan:
            ledger = Ledger.of_executions(user_id, pair, executions[pair])
            ledger.trade_ids = sorted(trades[pair])
            ledger.overrides = {
                trade_id: doc["categoryOverride"]
                for trade_id, doc in trades[pair].items()
                if doc.get("categoryOverride")
            }
            plans[pair] = _Plan(ledger, trades[pair], exact=True)
    return plans, stored


def _recompute_locked(
    db: Database[Document],
    user_id: str,
    pairs: list[Pair],
    facts: list[Document] | None,
    removed: set[str],
    missing_ledger_is_empty: bool,
) -> tuple[list[Document], bool]:
    now = datetime.now(UTC)
    plans, stored = _plan(db, user_id, pairs, facts, missing_ledger_is_empty, now)
    by_pair: dict[Pair, list[Document]] = {pair: [] for pair in pairs}
    for fact in facts or ():
        by_pair[(fact["accountId"], fact["instrument"])].append(fact)

    derived: list[Document] = []
    new: list[Document] = []
    changed: list[Document] = []
    stale: list[str] = []
    rewritten: list[Ledger] = []
    for pair in pairs:
        plan = plans[pair]
        ledger = plan.ledger
        was = (dict(ledger.fills), list(ledger.trade_ids), dict(ledger.overrides))
        ledger.merge(by_pair[pair], removed)
        docs = derive_trades(ledger.executions(), as_of=now)
        ledger.overrides = carried_overrides(ledger.overrides, docs)
        pair_trades = [_with_category(doc, ledger.overrides.get(doc["_id"])) for doc in docs]
        known = set(plan.before) if plan.exact else set(ledger.trade_ids)
        for doc in pair_trades:
            if doc["_id"] not in known:
                new.append(doc)
            elif not _same(plan.before.get(doc["_id"]), doc):
                changed.append(doc)
        ids = [doc["_id"] for doc in pair_trades]
        stale.extend(sorted(known - set(ids)))
        ledger.trade_ids = ids
        if ledger.id not in stored or plan.exact or was != (ledger.fills, ledger.trade_ids, ledger.overrides):
            rewritten.append(ledger)
        derived.extend(pair_trades)
    # The trades first, the ledger last: until its ledger is written, a pair's recomputation has
    # not happened as far as the next one is concerned, so a retry with the same facts redoes it.
    write_trades(db, new=new, changed=changed, stale=stale)
    write_ledgers(db, rewritten, stored=stored, now=now)
    return derived, bool(new or changed or stale)


def _with_category(doc: Document, override: str | None) -> Document:
    return doc | {"categoryOverride": override, "category": override or doc["autoCategory"]}


def _fields_by_id(ledger: Ledger, now: datetime) -> dict[str, Document]:
    """What the pair's trades are as of the ledger (derived again, at the same instant, so that
    only what the new facts change differs)."""
    docs = derive_trades(ledger.executions(), as_of=now)
    return {doc["_id"]: _with_category(doc, ledger.overrides.get(doc["_id"])) for doc in docs}


def _same(before: Document | None, after: Document) -> bool:
    """Whether the stored (or previously derived) trade already has every derived field."""
    if before is None:
        return False
    return all(key == "computedAt" or before.get(key, _MISSING) == value for key, value in after.items())


def carried_overrides(overrides: Mapping[str, str], derived: Sequence[Document]) -> dict[str, str]:
    """The category overrides of the derived trades: a trade keeps its own; a trade that is gone
    (an earlier fill now opens the round trip, so it has another id) hands its override to the
    trade that now holds the execution that had opened it."""
    ids = {doc["_id"] for doc in derived}
    kept = {trade_id: category for trade_id, category in overrides.items() if trade_id in ids}
    gone = {trade_id: category for trade_id, category in overrides.items() if trade_id not in ids}
    for doc in derived:
        if doc["_id"] in kept:
            continue
        inherited = [gone[trade_id_for(e)] for e in doc["executionIds"] if trade_id_for(e) in gone]
        if inherited:
            kept[doc["_id"]] = inherited[0]
    return kept
