"""The logic behind /v1/executions: manual fills in, the touched trades recomputed."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.book import refuse_paper_account
from tradetrack.db import executions
from tradetrack.db.instrument_aliases import with_isins
from tradetrack.db.ledgers import Pair
from tradetrack.db.trades import stored_trades
from tradetrack.errors import Conflict, NotFound, SemanticError
from tradetrack.models.executions import ExecutionIn, ExecutionOut, Source
from tradetrack.models.trades import ExecutionPage
from tradetrack.notify.events import TradeSource
from tradetrack.notify.live import announce_trades_changed
from tradetrack.queries import aware, decode_position, encode_position, symbol_filter, time_range
from tradetrack.timeutil import IST, as_utc
from tradetrack.trades import recompute_pairs

Document = dict[str, Any]
MANUAL: Source = "manual"
# Clocks differ: a fill a little "in the future" is a skewed clock, an hour ahead is a mistake.
FUTURE_TOLERANCE = timedelta(minutes=5)


def _recompute(
    db: Database[Document],
    cache: redis.Redis,
    user_id: str,
    pairs: Iterable[Pair],
    *,
    facts: Sequence[Document],
    removed: Collection[str] = (),
    source: TradeSource = "manual",
) -> None:
    """Re-derive the pairs' trades, then tell the user's open WebSockets which trades changed: the
    pairs' trades before and after (a trade the change removed or re-derived under a new id too),
    as changed by `source`."""
    touched = sorted(set(pairs))
    before = stored_trades(db, user_id, touched)
    after = recompute_pairs(db, cache, user_id, touched, facts=facts, removed=removed)
    ids = {trade_id for of_pair in before.values() for trade_id in of_pair} | {t["_id"] for t in after}
    announce_trades_changed(user_id, source, ids)


def execution_out(doc: Document) -> ExecutionOut:
    return executions.to_execution_out({**doc, "executedAt": aware(doc["executedAt"]).astimezone(IST)})


def record_manual_execution(
    db: Database[Document],
    cache: redis.Redis,
    user_id: str,
    item: ExecutionIn,
    *,
    now: datetime | None = None,
) -> ExecutionOut:
    """Store a fill entered by hand, then re-derive the trades of its instrument."""
    if as_utc(item.executed_at) > (now or datetime.now(UTC)) + FUTURE_TOLERANCE:
        raise SemanticError(
            "executedAt is in the future", details=[{"field": "executedAt", "issue": "future"}]
        )
    refuse_paper_account(item.account_id, what="a fill entered by hand")
    [item] = with_isins(db, [item])
    doc = executions.to_document(user_id, MANUAL, item)
    report = executions.insert_executions(db, [doc])
    if report.duplicates:
        raise Conflict(
            "an execution with this externalId already exists in this account",
            details=[{"field": "externalId", "issue": "duplicate"}],
        )
    _recompute(db, cache, user_id, report.touched, facts=report.inserted)
    return execution_out(doc)


def record_execution(
    db: Database[Document], cache: redis.Redis, user_id: str, source: Source, item: ExecutionIn
) -> tuple[ExecutionOut, bool]:
    """Store a fill of `source` unless its identity (externalId in its account) is stored already,
    then re-derive its instrument's trades: (the execution, whether it was new). Replay-safe."""
    [item] = with_isins(db, [item])
    doc = executions.to_document(user_id, source, item)
    report = executions.insert_executions(db, [doc])
    if report.inserted:
        announced: TradeSource = "paper" if source == "paper" else "manual"
        _recompute(db, cache, user_id, report.touched, facts=report.inserted, source=announced)
    return execution_out(doc), bool(report.inserted)


@dataclass(frozen=True)
class ExecutionQuery:
    symbol: str | None = None
    account_id: str | None = None
    source: Source | None = None
    start: str | None = None  # ?from=
    end: str | None = None  # ?to=

    def filters(self) -> Document:
        found: Document = {**symbol_filter(self.symbol), **time_range("executedAt", self.start, self.end)}
        if self.account_id is not None:
            found["accountId"] = self.account_id
        if self.source is not None:
            found["source"] = self.source
        return found


def list_executions(
    db: Database[Document], user_id: str, query: ExecutionQuery, *, limit: int, cursor: str | None
) -> ExecutionPage:
    """The user's fills, newest first, one keyset page at a time."""
    filters = query.filters()
    after = decode_position("exe", cursor)
    docs = executions.find_executions(db, user_id, filters, limit=limit + 1, after=after)
    more = len(docs) > limit
    docs = docs[:limit]
    next_cursor = encode_position("exe", docs[-1]["executedAt"], docs[-1]["_id"]) if more and docs else None
    return ExecutionPage(items=[execution_out(doc) for doc in docs], next_cursor=next_cursor)


def delete_manual_execution(
    db: Database[Document], cache: redis.Redis, user_id: str, execution_id: str
) -> None:
    """Delete a fill entered by hand and re-derive its instrument; broker fills are facts (409)."""
    doc = executions.get_execution(db, user_id, execution_id)
    if doc is None:
        raise NotFound("no such execution")
    if doc["source"] != MANUAL:
        raise Conflict(
            f"this execution came from {doc['source']}: only manual executions can be deleted",
            details=[{"field": "source", "issue": "not_manual", "source": doc["source"]}],
        )
    if not executions.delete_execution(db, user_id, execution_id, source=MANUAL):
        raise NotFound("no such execution")
    _recompute(db, cache, user_id, [(doc["accountId"], doc["instrument"])], facts=(), removed=[execution_id])
