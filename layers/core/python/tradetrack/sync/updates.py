"""The trade-updates worker's logic: store a sync's new executions, re-derive their trades, announce.

Safe to run twice for the same message: executions are unique on their identity (a second insert
counts duplicates), recomputation merges facts by execution id, and each trade confirmation has
a stable event id that the notifier delivers once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.db import sync_logs
from tradetrack.db.executions import insert_executions, to_document
from tradetrack.money import from_scaled
from tradetrack.notify.events import TradeConfirmation
from tradetrack.sync import known
from tradetrack.sync.messages import TradeUpdate
from tradetrack.trades import recompute_pairs

Document = dict[str, Any]


@dataclass
class AppliedUpdate:
    inserted: int
    duplicates: int
    trades: int
    confirmations: list[TradeConfirmation] = field(default_factory=list)

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
    ids = {doc["_id"] for doc in docs}
    confirmations = [confirmation(trade, ids) for trade in trades if ids.intersection(trade["executionIds"])]
    return AppliedUpdate(len(report.inserted), report.duplicates, len(trades), confirmations)
