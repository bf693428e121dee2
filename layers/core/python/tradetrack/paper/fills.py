"""Fills: claiming a pending order (the state transition is the claim), then applying the fill to
the balance, the holding and the journal, each step once per fill key (replay-safe)."""

from __future__ import annotations

import redis
from pymongo.database import Database

from tradetrack.db.executions import execution_id
from tradetrack.executions import record_execution
from tradetrack.models.executions import ExecutionIn
from tradetrack.money import from_scaled
from tradetrack.paper import repository as repo
from tradetrack.paper.clock import SOURCE, Clock, Document, utc_now
from tradetrack.paper.ledger import Fill, make_fill, settle_buy
from tradetrack.queries import aware
from tradetrack.timeutil import ist_date


def fill_order(
    db: Database[Document], cache: redis.Redis, order_id: str, price: int, *, now: Clock = utc_now
) -> Document | None:
    """Fill a pending order whole at `price` (fill 1), then apply that fill. The order's move from
    pending is the claim: a second caller (a replay, a parallel tick) finds it executed and only
    completes the fill's remaining steps, each of which applies once. None: no such order, or it
    was canceled first."""
    at = now()
    order = repo.order_by_id(db, order_id)
    if order is None:
        return None
    if order["state"] == "pending":
        fill = make_fill(
            order["symbol"],
            buy=order["side"] == "BUY",
            intraday=False,
            day=ist_date(at),
            quantity=int(order["quantity"]),
            price=price,
        )
        record = {
            "seq": 1,
            "quantity": fill.quantity,
            "price": fill.price,
            "charges": fill.charges,
            "at": at,
            "executionId": execution_id(order["userId"], order["accountId"], SOURCE, fill_key(order_id, 1)),
        }
        claimed = repo.transition(
            db,
            cache,
            order_id,
            source="pending",
            target="executed",
            at=at,
            fields={"fills": [record], "held": 0, "heldAtFill": int(order["held"])},
        )
        order = claimed or repo.order_by_id(db, order_id) or order
    if order["state"] != "executed":
        return None
    apply_fill(db, cache, order)
    return repo.order_by_id(db, order_id)


def fill_key(order_id: str, seq: int) -> str:
    return f"{order_id}:{seq}"


def apply_fill(db: Database[Document], cache: redis.Redis, order: Document) -> None:
    """Apply an executed order's fill to the balance, the holding and the journal, once each."""
    [record] = order["fills"]
    fill = Fill(int(record["quantity"]), int(record["price"]), int(record["charges"]))
    key = fill_key(order["_id"], int(record["seq"]))
    if order["side"] == "BUY":
        released, returned = settle_buy(int(order["heldAtFill"]), fill)
        repo.settle(db, cache, order["accountId"], key, held=released, available=returned)
        repo.apply_to_holding(db, cache, order, key, quantity=fill.quantity, free=fill.quantity)
    else:
        repo.settle(db, cache, order["accountId"], key, held=0, available=fill.cash_for_sell())
        repo.apply_to_holding(db, cache, order, key, quantity=-fill.quantity, free=0)
    item = ExecutionIn.model_validate(
        {
            "accountId": order["accountId"],
            "symbol": order["symbol"],
            "exchange": order["exchange"],
            "side": order["side"],
            "quantity": fill.quantity,
            "price": from_scaled(fill.price),
            "fees": from_scaled(fill.charges),
            "executedAt": aware(record["at"]),
            "product": order["product"],
            "externalId": key,
            "orderId": order["_id"],
        }
    )
    record_execution(db, cache, order["userId"], SOURCE, item)
