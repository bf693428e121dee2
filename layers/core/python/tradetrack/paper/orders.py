"""Reading and ending paper orders (cancel, expiry, IOC's rest, the MIS square-off), and giving
back what a live order still holds."""

from __future__ import annotations

import redis
from pymongo.database import Database

from tradetrack.errors import Conflict, NotFound
from tradetrack.paper import account_store, book, holding_store, order_store
from tradetrack.paper.accounts import account_doc
from tradetrack.paper.clock import Clock, Document, utc_now
from tradetrack.paper.events import Events
from tradetrack.paper.fills import complete, is_short, opens
from tradetrack.paper.models import LIVE_STATES, OrderOut
from tradetrack.paper.views import order_out


def give_back(db: Database[Document], cache: redis.Redis, order: Document) -> None:
    """Release what a live order holds as `order` shows it: an opening order's remaining funds (a
    buy, a short sale), a closing order's unfilled quantity (a sell of a long, a cover of a short)."""
    if opens(order):
        if int(order["held"]):
            account_store.release(db, cache, order["accountId"], int(order["held"]))
    else:
        rest = int(order["quantity"]) - int(order.get("filled", 0))
        if rest:
            holding_store.unreserve(
                db,
                cache,
                order["accountId"],
                order["exchange"],
                order["symbol"],
                rest,
                order.get("product", "CNC"),
                short=is_short(order),
            )


def end_order(
    db: Database[Document],
    cache: redis.Redis,
    order_id: str,
    target: str,
    reason: str,
    *,
    now: Clock = utc_now,
    events: Events | None = None,
) -> Document | None:
    """Move a live order to `target` (canceled, expired, rejected) and give back what it held at
    that moment (its document just before the move); None: it had ended already."""
    before = order_store.transition(
        db,
        cache,
        order_id,
        source=LIVE_STATES,
        target=target,
        at=now(),
        reason=reason,
        fields={"held": 0},
        before=True,
    )
    if before is None:
        return None
    book.unindex(cache, before)
    give_back(db, cache, before)
    ended = order_store.order_by_id(db, order_id)
    if ended is None:
        return None
    complete(db, cache, ended)  # its fills applied (they are, unless a filler crashed), then retired
    if events is not None:
        events.order(ended)
        if before["side"] == "BUY" and int(before["held"]):
            events.balance(ended)
    return ended


def get_order(db: Database[Document], user_id: str, account_id: str, order_id: str) -> OrderOut:
    doc = order_store.get_order(db, user_id, order_id)
    if doc is None or doc["accountId"] != account_id:
        raise NotFound("no such paper order")
    return order_out(doc)


def list_orders(
    db: Database[Document], user_id: str, account_id: str, *, limit: int, state: str | None = None
) -> list[OrderOut]:
    account_doc(db, user_id, account_id)
    return [order_out(d) for d in order_store.list_orders(db, user_id, account_id, limit=limit, state=state)]


def cancel_order(
    db: Database[Document],
    cache: redis.Redis,
    user_id: str,
    account_id: str,
    order_id: str,
    *,
    now: Clock = utc_now,
    events: Events | None = None,
) -> OrderOut:
    """Cancel a live order (pending or partially executed) and give back what it still holds; its
    fills stay. 409 once it executed or ended."""
    doc = order_store.get_order(db, user_id, order_id)
    if doc is None or doc["accountId"] != account_id:
        raise NotFound("no such paper order")
    canceled = end_order(db, cache, order_id, "canceled", "by user", now=now, events=events)
    if canceled is None:
        current = order_store.get_order(db, user_id, order_id) or doc
        raise Conflict(
            f"the order is {current['state']}: only pending or partially executed orders can be canceled",
            details=[{"field": "orderId", "issue": "not_pending", "state": current["state"]}],
        )
    return order_out(canceled)
