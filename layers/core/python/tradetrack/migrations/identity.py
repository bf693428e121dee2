"""Migrate a user's stored data from the previous release's fill and instrument identity to this one's.

What changed:
- Instrument keys (tradetrack.instruments.keys): `NSE:INFY` became `ISIN:<isin>` (the ISIN resolved
  as ingestion resolves it: tradetrack.db.instrument_aliases) or `EQ:INFY`, and
  `NFO:NIFTY24JUN22000CE` became `NFO:NIFTY:2024-06:CE:22000`.
- Fill identity (docs/imports.md, "Fill identity"): a fill an exchange numbered (sources zerodha,
  upstox, simulated, import) had its trade id as externalId; it is now
  `<EXCHANGE>:<IST trade date>:<trade id>`, so its `_id` (tradetrack.db.executions.execution_id)
  changes too. Row ids (`row_`), manual (`man_`) and opening-lot ids are unchanged.
- Executions carry `feesGiven` (old documents: fees > 0 meant given), `tradeDate` and `isin`.

Left as it was, the next broker sync stores every fill a second time, trades stay under keys no
new fill has, and the annotations stay on trade ids nothing derives any more.

`migrate_user` does, for one user:
1. Executions: each one with a legacy instrument or externalId, or without the new fields, gets
   them. New `_id`s are inserted (one already there, i.e. the same fill stored again under the new
   identity since the deploy, counts as there) and then the old `_id`s deleted; the others are
   updated in place.
2. Trades: every trade named after a re-identified execution or stored under a legacy instrument is
   deleted; one with an annotation (notes, tags, strategy, category override) is first stored
   again under its new id (tradetrack.analytics.fifo.trade_id_for of the new execution id, a `_i`
   suffix kept) and instrument, merged into a trade already stored there, so that the rebuild
   finds the annotation where the trade now is (tradetrack.trade_notes).
3. Ledgers and data-quality issues: all the user's are replaced by placeholder ledgers of another
   version (never trusted: any recomputation of the pair reads the collections) for every pair
   the user now has, holding the annotations the old ledgers kept, re-keyed like trades (an
   orphaned annotation lives only there); then tradetrack.trades.rebuild_ledgers re-derives the
   trades and rewrites the ledgers and issues.

Collections: this module reads the user's `executions`, `trades` and `ledgers` (by `userId`) and
writes them and `data_quality` by `_id` (data_quality is cleared by `userId`); it reads
`instrument_aliases` through tradetrack.db.instrument_aliases and never writes it. Redis: a per-user
migration lock, the pairs' recompute locks (tradetrack.trades.pair_locks), the analytics version.

Idempotent and restartable: a user whose documents are all current is left alone (nothing is
written, the report says so), and every write is by a deterministic `_id`. Trades move before
executions, so that a run cut short anywhere leaves either the old execution (mapped again) or the
new one (found by its new id) for every trade it has not moved yet; placeholder ledgers stay until
a rebuild succeeds, so a failed rebuild is redone by the next run.

Concurrency: steps 1-3 run holding the recompute locks of every pair involved (old and new keys),
so an API request or a sync recomputing one of them waits (30 s at most, then fails and is
retried), and one migration per user (`lock:migrate-identity:<user>`, not waited for). Not
covered: ingestion stores executions before taking a lock, so a fill stored meanwhile is migrated
only if it was stored before the user's documents were read (a later one is already new-style);
pair locks expire after 120 s, so a user whose rewrite takes longer is no longer protected; and a
Lambda of the previous release still running writes legacy documents again (run the migration
again after it). The sync worker's known-fills cache holds old externalIds: for up to 7 days it
sends fills again, which are counted as duplicates. Run it once after deploying the release, with
the broker-sync schedule paused (or before it first runs), ideally in a quiet hour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import redis
from pymongo import ReplaceOne, UpdateOne
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from tradetrack.analytics.fifo import trade_id_for
from tradetrack.cache.locks import redis_lock
from tradetrack.db.executions import EXECUTIONS
from tradetrack.db.ledgers import LEDGER_VERSION, LEDGERS, Pair, ledger_id
from tradetrack.db.trades import TRADES
from tradetrack.migrations.legacy import (
    Listing,
    legacy_instrument,
    migrated,
    resolve,
)
from tradetrack.quality.repository import DATA_QUALITY
from tradetrack.trade_notes import anchor_execution, meaningful, merged
from tradetrack.trades import bump_analytics_version, pair_locks, rebuild_ledgers

Document = dict[str, Any]
# Sources whose externalId is an exchange's trade id: `<EXCHANGE>:<trade date>:<trade id>` now.
# The version of a placeholder ledger: not LEDGER_VERSION, so no recomputation trusts it.
PLACEHOLDER_VERSION = 0
_DUPLICATE_KEY = 11000
_USER_LOCK = "lock:migrate-identity:{}"
_USER_LOCK_TTL_MS = 30 * 60_000
_ATTEMPTS = 3  # plans retried when the user's pairs change between reading and locking them


class MigrationConflict(RuntimeError):
    """The user's instruments kept changing while the migration tried to lock them."""


@dataclass
class MigrationReport:
    """What the migration of one user changed (in a dry run: would change)."""

    user_id: str
    dry_run: bool = False
    reidentified: int = 0  # executions moved to a new `_id` (their new externalId)
    updated: int = 0  # executions updated in place (instrument, feesGiven, tradeDate, isin)
    carried: int = 0  # annotated trades stored again under their new id and instrument
    dropped: int = 0  # trades without annotations deleted (the rebuild derives them again)
    stale_ledgers: int = 0  # ledgers of another version, under a legacy key or with old anchors
    ledgers: int = 0  # the user's ledgers replaced: all of them, once anything changes
    issues: int = 0  # data-quality documents cleared (the rebuild writes them again)
    trades: int | None = None  # the user's trades after the rebuild

    @property
    def changed(self) -> bool:
        return bool(self.reidentified or self.updated or self.carried or self.dropped or self.stale_ledgers)

    def summary(self) -> str:
        if not self.changed:
            return "up to date, nothing to change"
        text = (
            f"{self.reidentified} executions re-identified, {self.updated} updated in place, "
            f"{self.carried} annotated trades carried, {self.dropped} other trades dropped, "
            f"{self.ledgers} ledgers and {self.issues} data-quality documents reset"
        )
        if self.dry_run:
            return f"would change: {text} (dry run: nothing written)"
        return text if self.trades is None else f"{text}; {self.trades} trades after the rebuild"


@dataclass
class _Plan:
    """Everything one user's migration writes, computed from one read of their documents."""

    report: MigrationReport
    inserts: list[Document] = field(default_factory=list)  # executions under a new `_id`
    replaced: list[str] = field(default_factory=list)  # their old `_id`s
    updates: list[tuple[str, Document]] = field(default_factory=list)  # (`_id`, fields to set)
    trade_puts: list[Document] = field(default_factory=list)  # annotated trades under their new id
    trade_merges: list[tuple[str, Document]] = field(default_factory=list)  # into a stored trade
    trade_deletes: list[str] = field(default_factory=list)
    placeholders: dict[Pair, Document] = field(default_factory=dict)  # pair → annotations by anchor
    ledger_ids: list[str] = field(default_factory=list)  # every stored ledger of the user
    pairs: set[Pair] = field(default_factory=set)  # every pair involved, under old keys and new

    @property
    def user_id(self) -> str:
        return self.report.user_id


class _Mapper:
    """Old execution ids, trade ids and instrument keys → new ones."""

    def __init__(self, db: Database[Document], executions: dict[str, Document], keys: dict[str, str]) -> None:
        self.db = db
        self.executions = executions  # the new state of each execution, by its old and its new `_id`
        self.keys = keys  # legacy instrument key → the key its executions now have

    def execution_id(self, exec_id: str) -> str:
        found = self.executions.get(exec_id)
        return exec_id if found is None else str(found["_id"])

    def trade_id(self, trade_id: str) -> str:
        """The id of a trade named after an execution: after its new id (a `_i` suffix kept)."""
        opening = self.executions.get(anchor_execution(trade_id))
        if opening is None or opening["_id"] == anchor_execution(trade_id):
            return trade_id
        return trade_id_for(opening["_id"]) + ("_i" if trade_id.endswith("_i") else "")

    def instruments(self, items: Sequence[tuple[Document, str | None]]) -> list[str]:
        """The new instrument of each (trade or ledger, anchor it is named after): a current key
        stays; a legacy one becomes its opening execution's new key, else the key the fills of the
        legacy key got, else the key resolved from the document's own fields."""
        found: list[str | None] = []
        todo: list[tuple[int, Listing]] = []
        for doc, anchor in items:
            instrument = str(doc["instrument"])
            opening = self.executions.get(anchor_execution(anchor)) if anchor else None
            if not legacy_instrument(instrument, doc.get("segment")):
                found.append(instrument)
            elif opening is not None and opening["accountId"] == doc["accountId"]:
                found.append(str(opening["instrument"]))
            elif instrument in self.keys:
                found.append(self.keys[instrument])
            else:
                todo.append((len(found), Listing.of(doc, instrument)))
                found.append(None)
        resolved = resolve(self.db, [listing for _, listing in todo])
        for (index, _), (key, _) in zip(todo, resolved, strict=True):
            found[index] = key
        return [key or str(doc["instrument"]) for key, (doc, _) in zip(found, items, strict=True)]


def _plan_executions(db: Database[Document], plan: _Plan, stored: Sequence[Document]) -> _Mapper:
    legacy = [doc for doc in stored if legacy_instrument(str(doc["instrument"]), doc.get("segment"))]
    listings = [Listing.of(doc, str(doc["instrument"])) for doc in legacy]
    resolved = dict(zip((doc["_id"] for doc in legacy), resolve(db, listings), strict=True))
    states: dict[str, Document] = {}
    keys: dict[str, str] = {}
    for doc in stored:
        new = migrated(doc, resolved.get(doc["_id"]))
        states[doc["_id"]] = states[new["_id"]] = new
        if new["instrument"] != doc["instrument"]:
            keys.setdefault(str(doc["instrument"]), str(new["instrument"]))
        plan.pairs |= {(doc["accountId"], doc["instrument"]), (new["accountId"], new["instrument"])}
        if new["_id"] != doc["_id"]:
            plan.inserts.append(new)
            plan.replaced.append(doc["_id"])
        elif new != doc:
            plan.updates.append((doc["_id"], {k: v for k, v in new.items() if k not in doc or doc[k] != v}))
    plan.report.reidentified, plan.report.updated = len(plan.inserts), len(plan.updates)
    return _Mapper(db, states, keys)


def _plan_trades(plan: _Plan, mapper: _Mapper, stored: Sequence[Document]) -> set[Pair]:
    """The trade writes; returns the pairs the user's trades are under afterwards."""
    instruments = mapper.instruments([(doc, doc["_id"]) for doc in stored])
    kept: dict[str, Document] = {}
    moves: list[tuple[Document, str, str]] = []
    for doc, instrument in zip(stored, instruments, strict=True):
        new_id = mapper.trade_id(doc["_id"])
        plan.pairs |= {(doc["accountId"], doc["instrument"]), (doc["accountId"], instrument)}
        if new_id == doc["_id"] and instrument == doc["instrument"]:
            kept[new_id] = doc
        else:
            moves.append((doc, new_id, instrument))
    pairs = {(doc["accountId"], doc["instrument"]) for doc in kept.values()}
    for doc, new_id, instrument in moves:
        plan.trade_deletes.append(doc["_id"])
        fields = meaningful(doc)
        if not fields:
            plan.report.dropped += 1
            continue
        plan.report.carried += 1
        pairs.add((doc["accountId"], instrument))
        if new_id in kept:  # derived already, from the same fill stored again under its new identity
            plan.trade_merges.append((new_id, merged([meaningful(kept[new_id]), fields])))
            continue
        plan.trade_puts.append(
            doc
            | {
                "_id": new_id,
                "instrument": instrument,
                "executionIds": [mapper.execution_id(e) for e in doc.get("executionIds") or ()],
                "anchors": [mapper.trade_id(a) for a in doc.get("anchors") or ()],
            }
        )
    return pairs


def _plan_ledgers(plan: _Plan, mapper: _Mapper, stored: Sequence[Document]) -> None:
    """Which ledgers are stale, and their annotations re-keyed into the placeholders."""
    keys = mapper.instruments([(doc, None) for doc in stored])
    notes = [
        (doc, anchor, fields) for doc in stored for anchor, fields in (doc.get("annotations") or {}).items()
    ]
    note_keys = mapper.instruments([(doc, anchor) for doc, anchor, _ in notes])
    moved = {doc["_id"] for doc, anchor, _ in notes if mapper.trade_id(anchor) != anchor}
    for doc, instrument in zip(stored, keys, strict=True):
        plan.ledger_ids.append(doc["_id"])
        plan.pairs |= {(doc["accountId"], doc["instrument"]), (doc["accountId"], instrument)}
        stale = doc.get("version") != LEDGER_VERSION or instrument != doc["instrument"] or doc["_id"] in moved
        plan.report.stale_ledgers += stale
    for (doc, anchor, fields), instrument in zip(notes, note_keys, strict=True):
        pair = (str(doc["accountId"]), instrument)
        plan.placeholders.setdefault(pair, {})[mapper.trade_id(anchor)] = fields
        plan.pairs.add(pair)
    plan.report.ledgers = len(stored)


def plan_user(db: Database[Document], user_id: str, *, dry_run: bool = False) -> _Plan:
    """Read the user's executions, trades and ledgers and compute what the migration writes."""
    plan = _Plan(MigrationReport(user_id, dry_run=dry_run))
    mapper = _plan_executions(db, plan, list(db[EXECUTIONS].find({"userId": user_id})))
    trade_pairs = _plan_trades(plan, mapper, list(db[TRADES].find({"userId": user_id})))
    _plan_ledgers(plan, mapper, list(db[LEDGERS].find({"userId": user_id})))
    if plan.report.changed:
        fills = {(str(doc["accountId"]), str(doc["instrument"])) for doc in mapper.executions.values()}
        for pair in trade_pairs | fills:
            plan.placeholders.setdefault(pair, {})
        plan.report.issues = db[DATA_QUALITY].count_documents({"userId": user_id})
    else:
        plan.placeholders.clear()
    return plan


def _placeholder(user_id: str, pair: Pair, annotations: Document, now: datetime) -> Document:
    """A ledger no recomputation trusts (its version), holding the pair's annotations till the
    rebuild (tradetrack.db.ledgers.Ledger.from_document reads it as incomplete)."""
    account_id, instrument = pair
    return {
        "_id": ledger_id(user_id, account_id, instrument),
        "userId": user_id,
        "accountId": account_id,
        "instrument": instrument,
        "version": PLACEHOLDER_VERSION,
        "overflow": False,
        "fillCount": 0,
        "fills": None,
        "tradeIds": [],
        "annotations": annotations,
        "issues": {},
        "updatedAt": now,
    }


def _apply(db: Database[Document], plan: _Plan) -> None:
    """Write the plan: trades first (while every old execution still maps them), then executions,
    then ledgers and issues (module docstring)."""
    ops: list[Any] = [ReplaceOne({"_id": doc["_id"]}, doc, upsert=True) for doc in plan.trade_puts]
    ops += [UpdateOne({"_id": trade_id}, {"$set": fields}) for trade_id, fields in plan.trade_merges]
    if ops:
        db[TRADES].bulk_write(ops, ordered=False)
    if plan.trade_deletes:
        db[TRADES].delete_many({"_id": {"$in": plan.trade_deletes}})
    if plan.inserts:
        try:
            db[EXECUTIONS].insert_many(plan.inserts, ordered=False)
        except BulkWriteError as exc:  # a fill already stored under its new identity is there
            if any(error.get("code") != _DUPLICATE_KEY for error in exc.details.get("writeErrors", [])):
                raise
    if plan.updates:
        db[EXECUTIONS].bulk_write(
            [UpdateOne({"_id": exec_id}, {"$set": fields}) for exec_id, fields in plan.updates], ordered=False
        )
    if plan.replaced:
        db[EXECUTIONS].delete_many({"_id": {"$in": plan.replaced}})
    now = datetime.now(UTC)
    placeholders = [_placeholder(plan.user_id, *item, now) for item in sorted(plan.placeholders.items())]
    if placeholders:
        db[LEDGERS].bulk_write([ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in placeholders])
    others = sorted(set(plan.ledger_ids) - {doc["_id"] for doc in placeholders})
    if others:
        db[LEDGERS].delete_many({"_id": {"$in": others}})
    db[DATA_QUALITY].delete_many({"userId": plan.user_id})


def _rewrite_locked(db: Database[Document], cache: redis.Redis, user_id: str) -> _Plan:
    """Plan, lock every pair the plan involves, plan again under the locks and write it (again
    when the user's pairs changed in between)."""
    for _ in range(_ATTEMPTS):
        plan = plan_user(db, user_id)
        if not plan.report.changed:
            return plan
        with pair_locks(cache, user_id, plan.pairs):
            fresh = plan_user(db, user_id)
            if fresh.pairs <= plan.pairs:
                if fresh.report.changed:
                    _apply(db, fresh)
                return fresh
    raise MigrationConflict(f"the instruments of {user_id} kept changing; run the migration again")


def migrate_user(
    db: Database[Document], cache: redis.Redis, user_id: str, *, dry_run: bool = False
) -> MigrationReport:
    """Migrate one user's documents (module docstring); with `dry_run`, only report what would
    change. Raises LockTimeout when the user's migration or one of their pairs is busy."""
    if dry_run:
        return plan_user(db, user_id, dry_run=True).report
    with redis_lock(cache, _USER_LOCK.format(user_id), ttl_ms=_USER_LOCK_TTL_MS, wait_s=0):
        plan = _rewrite_locked(db, cache, user_id)
        if not plan.report.changed:
            return plan.report
        plan.report.trades = rebuild_ledgers(db, cache, user_id, list(plan.placeholders))
        bump_analytics_version(cache, user_id)
        return plan.report


def users_with_data(db: Database[Document]) -> list[str]:
    """Every user that has executions, trades or ledgers."""
    found: set[str] = set()
    for collection in (EXECUTIONS, TRADES, LEDGERS):
        found.update(str(user) for user in db[collection].distinct("userId"))
    return sorted(found)
