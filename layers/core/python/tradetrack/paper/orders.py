"""Reading and canceling paper orders, and giving back what a pending order holds."""

from __future__ import annotations

import redis
from pymongo.database import Database

from tradetrack.errors import Conflict, NotFound
from tradetrack.paper import repository as repo
from tradetrack.paper.accounts import account_doc
from tradetrack.paper.clock import Clock, Document, utc_now
from tradetrack.paper.models import OrderOut
from tradetrack.paper.views import order_out


def give_back(db: Database[Document], cache: redis.Redis, order: Document) -> None:
    if order["side"] == "BUY":
        repo.release(db, cache, order["accountId"], int(order["held"]))
    else:
        repo.unreserve(
            db, cache, order["accountId"], order["exchange"], order["symbol"], int(order["quantity"])
        )


def get_order(db: Database[Document], user_id: str, account_id: str, order_id: str) -> OrderOut:
    doc = repo.get_order(db, user_id, order_id)
    if doc is None or doc["accountId"] != account_id:
        raise NotFound("no such paper order")
    return order_out(doc)


def list_orders(
    db: Database[Document], user_id: str, account_id: str, *, limit: int, state: str | None = None
) -> list[OrderOut]:
    account_doc(db, user_id, account_id)
    return [order_out(d) for d in repo.list_orders(db, user_id, account_id, limit=limit, state=state)]


def cancel_order(
    db: Database[Document],
    cache: redis.Redis,
    user_id: str,
    account_id: str,
    order_id: str,
    *,
    now: Clock = utc_now,
) -> OrderOut:
    """Cancel a pending order and give back what it held; 409 once it executed or ended."""
    doc = repo.get_order(db, user_id, order_id)
    if doc is None or doc["accountId"] != account_id:
        raise NotFound("no such paper order")
    canceled = repo.transition(
        db,
        cache,
        order_id,
        source="pending",
        target="canceled",
        at=now(),
        reason="by user",
        fields={"held": 0},
    )
    if canceled is None:
        current = repo.get_order(db, user_id, order_id) or doc
        raise Conflict(
            f"the order is {current['state']}: only pending orders can be canceled",
            details=[{"field": "orderId", "issue": "not_pending", "state": current["state"]}],
        )
    give_back(db, cache, doc)
    return order_out(canceled)
