"""Executions in, trades out: recomputation of the instruments a change touched."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.analytics.categories import DEFAULT_SWING_DAYS, FNO_SEGMENTS, categorize, holding_days
from tradetrack.analytics.fifo import Fill, Trade, match_fills
from tradetrack.cache.locks import redis_lock
from tradetrack.db.executions import executions_of_instruments
from tradetrack.db.trades import replace_trades
from tradetrack.money import rounded_average
from tradetrack.observability import MetricUnit, logger, metrics

Document = dict[str, Any]
_ANALYTICS_VERSION = "analytics:version:{}"


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
    """The trade documents of one (account, instrument) from all of its executions."""
    if not docs:
        return []
    last_price = max(docs, key=lambda d: (d["executedAt"], d["_id"]))["price"]
    trades = match_fills(to_fill(doc) for doc in docs)
    return [trade_document(trade, docs[0], as_of=as_of) | {"lastPrice": last_price} for trade in trades]


def bump_analytics_version(cache: redis.Redis, user_id: str) -> None:
    """Any trade change makes cached analytics of this user stale at once."""
    try:
        cache.incr(_ANALYTICS_VERSION.format(user_id))
    except redis.exceptions.RedisError as exc:
        logger.error("analytics version bump failed", extra={"userId": user_id, "error": str(exc)})
        metrics.add_metric(name="AnalyticsVersionBumpFailed", unit=MetricUnit.Count, value=1)


def analytics_version(cache: redis.Redis, user_id: str) -> int:
    return int(cache.get(_ANALYTICS_VERSION.format(user_id)) or 0)


def recompute(
    db: Database[Document], cache: redis.Redis, user_id: str, touched: Iterable[tuple[str, str]]
) -> int:
    """Recompute only the (accountId, instrument) pairs a change touched, then invalidate analytics.

    The pairs are locked in Redis (in sorted order, so two workers cannot deadlock) from the
    read to the write: otherwise two concurrent recomputations could interleave, and the one
    that read fewer executions could win. Returns the number of trades those pairs now have.
    """
    pairs = sorted(set(touched))
    if not pairs:
        return 0
    with ExitStack() as locks:
        for account, instrument in pairs:
            key = f"lock:recompute:{user_id}:{account}:{instrument}"
            locks.enter_context(redis_lock(cache, key, ttl_ms=120_000, wait_s=30))
        now = datetime.now(UTC)
        grouped = executions_of_instruments(db, user_id, pairs)
        derived = [trade for pair in pairs for trade in derive_trades(grouped[pair], as_of=now)]
        replace_trades(db, user_id, pairs, derived)
    bump_analytics_version(cache, user_id)
    return len(derived)
