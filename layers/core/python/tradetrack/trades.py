"""Executions in, trades out: recomputation of the (account, instrument) pairs a change touched.

Each pair has a ledger (tradetrack.db.ledgers) holding its fills, the ids of its stored trades and
their category overrides; recomputing with the change's executions ("facts") reads and writes by
`_id` alone. Without facts, or when the ledger cannot be trusted, a pair is read from the
executions and trades collections instead, and its ledger is rewritten.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import redis
from pymongo.database import Database

from tradetrack import trade_notes
from tradetrack.analytics.adjustments import Adjustment, from_action
from tradetrack.analytics.categories import FNO_SEGMENTS
from tradetrack.analytics.expiry_rules import expired_keys, expiry_adjustments
from tradetrack.cache.locks import redis_lock
from tradetrack.db.corporate_actions import demergers_touching, engine_actions_by_instrument
from tradetrack.db.deliveries import contracts_delivering, record_deliveries
from tradetrack.db.executions import executions_of_instruments
from tradetrack.db.instrument_aliases import instruments_of
from tradetrack.db.ledgers import Ledger, Pair, read_ledger, read_ledgers, write_ledgers
from tradetrack.db.settlements import Key, prices_for
from tradetrack.db.trades import stored_trades, write_trades
from tradetrack.deliveries import delivers, delivery_documents
from tradetrack.derive import derive, derive_trades, spawned_documents, to_fill, trade_document
from tradetrack.instruments.expiry import contract_of
from tradetrack.observability import MetricUnit, logger, metrics
from tradetrack.quality.issues import pair_issues
from tradetrack.quality.repository import write_issues
from tradetrack.timeutil import ist_date

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
    pairs, targets = _with_deliveries(db, user_id, _with_family(pairs, demergers))
    with pair_locks(cache, user_id, pairs):
        derived, changed = _recompute_locked(
            db, user_id, pairs, given, set(removed), missing_ledger_is_empty, demergers, targets
        )
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
    context: _Context,
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
    for pair in pairs if facts is not None else ():
        ledger = read_ledger(db, user_id, pair)
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


def _with_family(pairs: list[Pair], demergers: Sequence[Document]) -> list[Pair]:
    """The pairs and, in each pair's account, the other side of its demergers; parents first (a
    new company's lots come from its parent's)."""
    found = set(pairs)
    for action in demergers:
        child = f"ISIN:{action['newIsin']}"
        for account, instrument in list(found):
            if instrument in action["keys"]:
                found.add((account, child))
            elif instrument == child:
                found |= {(account, key) for key in action["keys"] if key.startswith("ISIN:")}
    children = {f"ISIN:{action['newIsin']}" for action in demergers}
    return sorted(found, key=lambda pair: (pair[1] in children, pair))


def _with_deliveries(
    db: Database[Document], user_id: str, pairs: list[Pair]
) -> tuple[list[Pair], dict[Pair, str]]:
    """The pairs with the other side of physical deliveries (tradetrack.deliveries): the equity an
    expired stock derivative delivers into, and the contracts that delivered into an equity; the
    contracts first (their expiry makes the equity's fills). Also {contract pair: equity key}."""
    equities = {instrument for _, instrument in pairs if instrument.startswith(("ISIN:", "EQ:"))}
    found = set(pairs) | contracts_delivering(db, user_id, equities)
    underlying = {pair: symbol for pair in found if (symbol := delivers(pair[1])) is not None}
    expired = expired_keys({instrument for _, instrument in underlying}, datetime.now(UTC))
    underlying = {pair: symbol for pair, symbol in underlying.items() if pair[1] in expired}
    targets: dict[Pair, str] = {}
    if underlying:
        symbols = sorted(set(underlying.values()))
        keys = dict(
            zip(symbols, instruments_of(db, [("NSE", "EQ", symbol) for symbol in symbols]), strict=True)
        )
        targets = {pair: keys[symbol] for pair, symbol in underlying.items()}
        found |= {(account, equity) for (account, _), equity in targets.items()}
    order = {pair: n for n, pair in enumerate(pairs)}
    return sorted(found, key=lambda pair: (pair not in targets, order.get(pair, len(order)), pair)), targets


@dataclass
class _Context:
    now: datetime
    adjustments: dict[str, list[Adjustment]]
    demergers: Sequence[Document] = ()
    expired: dict[str, Key] = field(default_factory=dict)  # contracts past expiry, by instrument
    settled: dict[str, int] = field(default_factory=dict)  # their underlying's settlement price, if given
    targets: dict[Pair, str] = field(default_factory=dict)  # physically settled contract → equity key
    delivered: set[tuple[str, str, str]] = field(default_factory=set)  # (account, contract, equity)
    # Demerged lots of the new companies, by (account, instrument): before and after this change
    spawned: dict[bool, dict[Pair, list[Document]]] = field(default_factory=lambda: {False: {}, True: {}})

    def derived(self, ledger: Ledger, *, after: bool = True) -> tuple[list[Document], Document]:
        """The pair's trades with their annotations, and its data-quality issues."""
        executions = ledger.executions() + self.spawned[after].get(ledger.pair, [])
        adjustments = self.adjustments.get(ledger.instrument, [])
        result = derive(executions, as_of=self.now, adjustments=adjustments)
        for action in self.demergers:
            lots = result.spawned.get(f"ca_{action['_id']}")
            if lots and ledger.instrument in action["keys"] and executions:
                child = (ledger.account_id, f"ISIN:{action['newIsin']}")
                docs = spawned_documents(executions[0], action, lots, account_id=ledger.account_id)
                self.spawned[after].setdefault(child, []).extend(docs)
        equity = self.targets.get(ledger.pair)
        if equity is not None and ledger.instrument in self.settled and executions:
            deliveries = delivery_documents(
                result.trades,
                instrument=ledger.instrument,
                price=self.settled[ledger.instrument],
                equity=equity,
                sample=executions[0],
            )
            self.spawned[after].setdefault((ledger.account_id, equity), []).extend(deliveries)
            if deliveries:
                self.delivered.add((ledger.account_id, ledger.instrument, equity))
        docs, orphans = trade_notes.annotate(ledger.annotations, result.trades)
        unsettled = self.expired.get(ledger.instrument) if any(t["status"] == "open" for t in docs) else None
        today = ist_date(self.now)
        # An intraday position still open after its day: the broker squared it off, the fill is missing
        stale = [
            t
            for t in docs
            if t["status"] == "open" and t["book"] == "intraday" and ist_date(t["openedAt"]) < today
        ]
        unknown = ledger.header.get("segment") in FNO_SEGMENTS and contract_of(ledger.instrument) is None
        return docs, pair_issues(ledger, result.unmatched, orphans, unsettled, stale, unknown)


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
    context = _Context(now, adjustments, demergers, expired, settled, dict(targets or {}))
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
    write_issues(db, issues_changed)
    record_deliveries(db, user_id, context.delivered)
    write_ledgers(db, rewritten, stored=stored, now=context.now)
    return derived, bool(new or changed or stale)


def _fields_by_id(ledger: Ledger, context: _Context) -> dict[str, Document]:
    """What the pair's trades are as of the ledger (derived again, at the same instant, so that
    only what the new facts change differs)."""
    return {doc["_id"]: doc for doc in context.derived(ledger, after=False)[0]}


def _same(before: Document | None, after: Document) -> bool:
    """Whether the stored (or previously derived) trade already has every derived field."""
    if before is None:
        return False
    return all(key == "computedAt" or before.get(key, _MISSING) == value for key, value in after.items())
