"""Executions in, trades out: recomputation of the (account, instrument) pairs a change touched.

Each pair has a ledger (tradetrack.db.ledgers) holding its fills, the ids of its stored trades and
their category overrides; recomputing with the change's executions ("facts") reads and writes by
`_id` alone. Without facts, or when the ledger cannot be trusted, a pair is read from the
executions and trades collections instead, and its ledger is rewritten.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis
from pymongo.database import Database

from tradetrack import trade_notes
from tradetrack.analytics.adjustments import from_action
from tradetrack.analytics.expiry_rules import expired_keys, expiry_adjustments
from tradetrack.cache.locks import redis_lock
from tradetrack.db.corporate_actions import demergers_touching, engine_actions_by_instrument
from tradetrack.db.deliveries import record_deliveries
from tradetrack.db.executions import executions_of_instruments
from tradetrack.db.ledgers import Ledger, Pair, read_each_ledger, read_ledgers, write_ledgers
from tradetrack.db.settlements import prices_for
from tradetrack.db.trades import stored_trades, write_trades
from tradetrack.derive import derive_trades, to_fill, trade_document
from tradetrack.observability import MetricUnit, logger, metrics
from tradetrack.quality.repository import write_issues
from tradetrack.recompute_context import Context, with_deliveries, with_family

__all__ = ["derive_trades", "recompute", "recompute_pairs", "to_fill", "trade_document"]

Document = dict[str, Any]
_ANALYTICS_VERSION = "analytics:version:{}"
_MISSING = object()


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
    demergers = demergers_touching(db, user_id, {instrument for _, instrument in pairs})
    pairs, targets = with_deliveries(db, user_id, with_family(pairs, demergers))
    with pair_locks(cache, user_id, pairs):
        derived, changed = _recompute_locked(
            db, user_id, pairs, given, set(removed), missing_ledger_is_empty, demergers, targets
        )
        if changed:  # the per-day aggregates and open positions of these pairs, still locked
            # Imported here: the aggregates need numpy (~70 ms), which stays out of cold start.
            from tradetrack.analytics.daily import refresh_pairs

            by_pair: dict[Pair, list[Document]] = {pair: [] for pair in pairs}
            for doc in derived:
                by_pair.setdefault((doc["accountId"], doc["instrument"]), []).append(doc)
            refresh_pairs(db, cache, user_id, by_pair)
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
    context: Context,
) -> tuple[dict[Pair, _Plan], set[str]]:
    """Each pair's ledger (read by `_id`, or built from the scan) and its trades before; and the
    ids of the ledgers that are stored."""
    plans: dict[Pair, _Plan] = {}
    stored: set[str] = set()
    kept: dict[Pair, Ledger] = {}  # untrusted ledgers: their annotations (orphans live only there)
    scan: list[Pair] = []
    if facts is None:
        scan = list(pairs)
        kept = read_ledgers(db, user_id, pairs)
        stored = {ledger.id for ledger in kept.values()}
    found = read_each_ledger(db, user_id, pairs) if facts is not None else {}
    for pair in pairs if facts is not None else ():
        ledger = found.get(pair)
        if ledger is not None:
            stored.add(ledger.id)
        if ledger is None and missing_ledger_is_empty:
            plans[pair] = _Plan(Ledger(user_id, *pair), {}, exact=False)
        elif ledger is None or not ledger.complete:
            scan.append(pair)
            if ledger is not None:
                kept[pair] = ledger
        else:
            plans[pair] = _Plan(ledger, _fields_by_id(ledger, context), exact=False)
    if scan:
        executions = executions_of_instruments(db, user_id, scan)
        trades = stored_trades(db, user_id, scan)
        for pair in scan:
            ledger = Ledger.of_executions(user_id, pair, executions[pair])
            ledger.trade_ids = sorted(trades[pair])
            ledger.annotations = trade_notes.of_stored_trades(trades[pair])
            if pair in kept:
                ledger.annotations |= kept[pair].annotations
            plans[pair] = _Plan(ledger, trades[pair], exact=True)
    return plans, stored


def _recompute_locked(
    db: Database[Document],
    user_id: str,
    pairs: list[Pair],
    facts: list[Document] | None,
    removed: set[str],
    missing_ledger_is_empty: bool,
    demergers: Sequence[Document] = (),
    targets: dict[Pair, str] | None = None,
) -> tuple[list[Document], bool]:
    instruments = {instrument for _, instrument in pairs}
    now = datetime.now(UTC)
    adjustments = {
        instrument: [from_action(doc) for doc in docs]
        for instrument, docs in engine_actions_by_instrument(db, user_id, instruments).items()
    }
    expired = expired_keys(instruments, now)
    prices = prices_for(db, user_id, expired.values())
    settled = {instrument: prices[key] for instrument, key in expired.items() if key in prices}
    for instrument, expiry in expiry_adjustments(expired, prices).items():
        adjustments.setdefault(instrument, []).append(expiry)
    context = Context(now, adjustments, demergers, expired, settled, dict(targets or {}))
    plans, stored = _plan(db, user_id, pairs, facts, missing_ledger_is_empty, context)
    by_pair: dict[Pair, list[Document]] = {pair: [] for pair in pairs}
    for fact in facts or ():
        by_pair[(fact["accountId"], fact["instrument"])].append(fact)

    derived: list[Document] = []
    new: list[Document] = []
    changed: list[Document] = []
    stale: list[str] = []
    rewritten: list[Ledger] = []
    issues_changed: list[Ledger] = []
    for pair in pairs:
        plan = plans[pair]
        ledger = plan.ledger
        was = (dict(ledger.fills), list(ledger.trade_ids), dict(ledger.annotations), dict(ledger.issues))
        ledger.merge(by_pair[pair], removed)
        pair_trades, issues = context.derived(ledger)
        known = set(plan.before) if plan.exact else set(ledger.trade_ids)
        for doc in pair_trades:
            if doc["_id"] not in known:
                new.append(doc)
            elif not _same(plan.before.get(doc["_id"]), doc):
                changed.append(doc)
        ids = [doc["_id"] for doc in pair_trades]
        stale.extend(sorted(known - set(ids)))
        ledger.trade_ids = ids
        if issues != was[3] or plan.exact:  # a rebuild rewrites them: its old ledger is not trusted
            issues_changed.append(ledger)
        ledger.issues = issues
        now_state = (ledger.fills, ledger.trade_ids, ledger.annotations, ledger.issues)
        if ledger.id not in stored or plan.exact or was != now_state:
            rewritten.append(ledger)
        derived.extend(pair_trades)
    # The trades first, the ledger last: until its ledger is written, a pair's recomputation has
    # not happened as far as the next one is concerned, so a retry with the same facts redoes it.
    write_trades(db, new=new, changed=changed, stale=stale)
    write_issues(db, issues_changed, stored=stored)
    record_deliveries(db, user_id, context.delivered)
    write_ledgers(db, rewritten, stored=stored, now=context.now)
    return derived, bool(new or changed or stale)


def _fields_by_id(ledger: Ledger, context: Context) -> dict[str, Document]:
    """What the pair's trades are as of the ledger (derived again, at the same instant, so that
    only what the new facts change differs)."""
    return {doc["_id"]: doc for doc in context.derived(ledger, after=False)[0]}


def _same(before: Document | None, after: Document) -> bool:
    """Whether the stored (or previously derived) trade already has every derived field."""
    if before is None:
        return False
    return all(key == "computedAt" or before.get(key, _MISSING) == value for key, value in after.items())
