"""The logic behind GET /v1/orders and GET /v1/holdings: a user's broker orders and holdings as the
syncs stored them (tradetrack.sync.orderbook), the user's own only.

Orders are listed newest placed first in keyset pages (`?cursor=`); `?status=` is the reduced state
(open, complete, cancelled, rejected); `?accountId=` narrows to one account (another user's account
id finds nothing). Holdings are one snapshot per account, from its latest sync that read them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.database import Database

from tradetrack.db import holdings as holdings_db
from tradetrack.db import orders as orders_db
from tradetrack.models.orders import (
    BrokerAccountHoldings,
    BrokerHoldingList,
    BrokerHoldingOut,
    OrderOut,
    OrderPage,
    OrderState,
    OrderStatusSeen,
)
from tradetrack.money import optional_money_str
from tradetrack.queries import aware, decode_position, encode_position
from tradetrack.timeutil import IST

Document = dict[str, Any]
CURSOR_KIND = "orders"


def _at(value: datetime) -> datetime:
    return aware(value).astimezone(IST)


def _ist(value: Any) -> datetime | None:
    return _at(value) if isinstance(value, datetime) else None


def order_out(doc: Document) -> OrderOut:
    history = [  # in the order the syncs saw them
        OrderStatusSeen(status=seen["status"], filled_quantity=seen["filledQuantity"], at=_ist(seen["at"]))
        for seen in doc.get("statusHistory") or []
    ]
    return OrderOut(
        order_id=doc["orderId"],
        account_id=doc["accountId"],
        broker=doc["broker"],
        state=doc["state"],
        status=doc["status"],
        status_message=doc.get("statusMessage"),
        symbol=doc["symbol"],
        exchange=doc["exchange"],
        side=doc["side"],
        product=doc.get("product"),
        order_type=doc.get("orderType"),
        variety=doc.get("variety"),
        validity=doc.get("validity"),
        quantity=doc["quantity"],
        filled_quantity=doc["filledQuantity"],
        pending_quantity=doc.get("pendingQuantity"),
        cancelled_quantity=doc.get("cancelledQuantity"),
        price=optional_money_str(doc.get("price")),
        trigger_price=optional_money_str(doc.get("triggerPrice")),
        average_price=optional_money_str(doc.get("averagePrice")),
        exchange_order_id=doc.get("exchangeOrderId"),
        parent_order_id=doc.get("parentOrderId"),
        tag=doc.get("tag"),
        placed_at=_at(doc["placedAt"]),
        exchange_at=_ist(doc.get("exchangeAt")),
        updated_at=_ist(doc.get("updatedAt")),
        first_seen_at=_at(doc["firstSeenAt"]),
        last_seen_at=_at(doc["lastSeenAt"]),
        status_history=history,
    )


def list_orders(
    db: Database[Document],
    user_id: str,
    *,
    state: OrderState | None,
    account_id: str | None,
    limit: int,
    cursor: str | None,
) -> OrderPage:
    after = decode_position(CURSOR_KIND, cursor)
    docs = orders_db.user_orders(
        db, user_id, account_id=account_id, state=state, limit=limit + 1, after=after
    )
    more = len(docs) > limit
    docs = docs[:limit]
    last = docs[-1] if more and docs else None
    next_cursor = encode_position(CURSOR_KIND, last["placedAt"], last["_id"]) if last else None
    return OrderPage(items=[order_out(doc) for doc in docs], next_cursor=next_cursor)


def _times(price: int | None, quantity: int) -> int | None:
    return None if price is None else price * quantity


def holding_out(item: Document) -> BrokerHoldingOut:
    quantity = int(item["quantity"])
    invested: int | None = item.get("invested")
    current = _times(item.get("lastPrice"), quantity)
    pnl = None if invested is None or current is None else current - invested
    return BrokerHoldingOut(
        symbol=item["symbol"],
        exchange=item["exchange"],
        isin=item.get("isin"),
        product=item.get("product"),
        quantity=quantity,
        t1_quantity=int(item.get("t1Quantity") or 0),
        collateral_quantity=int(item.get("collateralQuantity") or 0),
        average_price=optional_money_str(item.get("averagePrice")),
        last_price=optional_money_str(item.get("lastPrice")),
        close_price=optional_money_str(item.get("closePrice")),
        invested=optional_money_str(invested),
        current_value=optional_money_str(current),
        pnl=optional_money_str(pnl),
    )


def list_holdings(db: Database[Document], user_id: str, *, account_id: str | None) -> BrokerHoldingList:
    return BrokerHoldingList(
        accounts=[
            BrokerAccountHoldings(
                account_id=doc["accountId"],
                broker=doc["broker"],
                as_of=_at(doc["asOf"]),
                sync_id=doc["syncId"],
                items=[holding_out(item) for item in doc.get("items") or []],
            )
            for doc in holdings_db.user_snapshots(db, user_id, account_id=account_id)
        ]
    )
