"""DAY validity: pending orders past their session's close expire and give back their holds."""

from __future__ import annotations

import redis
from pymongo.database import Database

from tradetrack.paper import repository as repo
from tradetrack.paper.clock import Clock, Document, utc_now
from tradetrack.paper.orders import give_back


def expire_day_orders(db: Database[Document], cache: redis.Redis, *, now: Clock = utc_now) -> int:
    """Expire the pending orders whose session has closed (DAY validity), giving back their holds;
    found by the pending_by_expiry index. Returns how many expired."""
    at, count = now(), 0
    for order in repo.expired(db, at):
        reason = "DAY order: the market closed"
        if repo.transition(
            db,
            cache,
            order["_id"],
            source="pending",
            target="expired",
            at=at,
            reason=reason,
            fields={"held": 0},
        ):
            give_back(db, cache, order)
            count += 1
    return count
