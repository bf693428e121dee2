"""DAY validity: live orders past their session's close expire (their fills stay) and give back
what they still hold."""

from __future__ import annotations

import redis
from pymongo.database import Database

from tradetrack.paper import order_store
from tradetrack.paper.clock import Clock, Document, utc_now
from tradetrack.paper.events import Events
from tradetrack.paper.orders import end_order


def expire_day_orders(
    db: Database[Document], cache: redis.Redis, *, now: Clock = utc_now, events: Events | None = None
) -> int:
    """Expire the live orders whose session has closed, found by the pending_by_expiry index.
    Returns how many expired."""
    count = 0
    for order in order_store.expired(db, now()):
        if end_order(
            db, cache, order["_id"], "expired", "DAY order: the market closed", now=now, events=events
        ):
            count += 1
    return count
