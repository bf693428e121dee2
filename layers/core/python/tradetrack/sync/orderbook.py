"""What a sync keeps of the broker's order book and holdings (served by GET /v1/orders, /v1/holdings).

Every sync upserts the orders it read (one bulk write, tradetrack.db.orders) and replaces the
account's holdings snapshot (one write, tradetrack.db.holdings) when the holdings call answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pymongo.database import Database

from tradetrack.brokers.base import BrokerHolding, BrokerOrder
from tradetrack.db import holdings as holdings_db
from tradetrack.db import orders as orders_db
from tradetrack.money import to_scaled

Document = dict[str, Any]
# Kite's and Upstox's terminal statuses (Upstox's in lower case, read upper-cased); every other
# status (OPEN, TRIGGER PENDING, MODIFY PENDING, AMO REQ RECEIVED, NOT CANCELLED ...) is still open.
_TERMINAL: dict[str, orders_db.OrderState] = {
    "COMPLETE": "complete",
    "CANCELLED": "cancelled",
    "CANCELLED AMO": "cancelled",
    "REJECTED": "rejected",
}


def order_state(status: str) -> orders_db.OrderState:
    return _TERMINAL.get(" ".join(status.upper().split()), "open")


def _scaled(value: Decimal | None) -> int | None:
    return None if value is None else to_scaled(value)


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


def order_document(order: BrokerOrder, account: Document, sync_id: str, now: datetime) -> Document:
    seen_at = _utc(order.updated_at or order.exchange_at or order.placed_at)
    return {
        "_id": orders_db.order_id_of(account["_id"], order.order_id),
        "userId": account["userId"],
        "accountId": account["_id"],
        "broker": account["broker"],
        "orderId": order.order_id,
        "state": order_state(order.status),
        "status": order.status,
        "statusMessage": order.status_message,
        "symbol": order.symbol,
        "exchange": order.exchange,
        "side": order.side,
        "product": order.product,
        "orderType": order.order_type,
        "variety": order.variety,
        "validity": order.validity,
        "quantity": order.quantity,
        "filledQuantity": order.filled_quantity,
        "pendingQuantity": order.pending_quantity,
        "cancelledQuantity": order.cancelled_quantity,
        "price": _scaled(order.price),
        "triggerPrice": _scaled(order.trigger_price),
        "averagePrice": _scaled(order.average_price),
        "exchangeOrderId": order.exchange_order_id,
        "parentOrderId": order.parent_order_id,
        "tag": order.tag,
        "placedAt": _utc(order.placed_at),
        "exchangeAt": _utc(order.exchange_at),
        "updatedAt": _utc(order.updated_at),
        "firstSeenAt": now,
        "lastSeenAt": now,
        "syncId": sync_id,
        "statusHistory": [{"status": order.status, "filledQuantity": order.filled_quantity, "at": seen_at}],
    }


def holding_item(holding: BrokerHolding) -> Document:
    return {
        "symbol": holding.symbol,
        "exchange": holding.exchange,
        "isin": holding.isin,
        "product": holding.product,
        "quantity": holding.quantity,
        "t1Quantity": holding.t1_quantity,
        "collateralQuantity": holding.collateral_quantity,
        "averagePrice": _scaled(holding.average_price),
        # from the broker's exact average (801.78125 × 16 is 12,828.5; the stored price is 4 decimals)
        "invested": None
        if holding.average_price is None
        else to_scaled(holding.average_price * holding.quantity),
        "lastPrice": _scaled(holding.last_price),
        "closePrice": _scaled(holding.close_price),
    }


def store_orders(
    db: Database[Document], account: Document, sync_id: str, orders: Sequence[BrokerOrder], now: datetime
) -> int:
    """The sync's orders upserted (one round trip); how many were new."""
    return orders_db.store_orders(db, [order_document(order, account, sync_id, now) for order in orders])


def store_holdings(
    db: Database[Document], account: Document, sync_id: str, holdings: Sequence[BrokerHolding], now: datetime
) -> Document:
    """The account's holdings snapshot replaced by this sync's (one round trip); the sync log's line."""
    items = [holding_item(holding) for holding in holdings]
    holdings_db.replace_snapshot(
        db,
        {
            "_id": account["_id"],
            "userId": account["userId"],
            "accountId": account["_id"],
            "broker": account["broker"],
            "syncId": sync_id,
            "asOf": now,
            "items": items,
        },
    )
    return {"status": "stored", "count": len(items)}


def store_book(
    db: Database[Document],
    account: Document,
    sync_id: str,
    now: datetime,
    orders: Sequence[BrokerOrder],
    holdings: Sequence[BrokerHolding] | None,
    holdings_error: str | None,
) -> Document:
    """Both of a sync's writes; the sync log's `holdingsSnapshot`. Holdings that could not be read
    (`None`) leave the previous snapshot as it was."""
    store_orders(db, account, sync_id, orders, now)
    if holdings is None:
        return {"status": "failed", "reason": holdings_error or "unknown"}
    return store_holdings(db, account, sync_id, holdings, now)
