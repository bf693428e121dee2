"""Paper orders' storage: placement, reads (the mends' shared `_id` filter in `orders_by_ids`), state
transitions and fill claims as conditional updates from the state they are in, the Mongo price
indexes (the Redis index's fallback), expiry, and retiring a settled order's watermarks
(tradetrack.paper.storage: the guards and locks they share)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import redis
from pymongo import DESCENDING, ReturnDocument
from pymongo.database import Database

from tradetrack.db.filters import each_id
from tradetrack.paper.holding_store import holding_id
from tradetrack.paper.models import LIVE_STATES
from tradetrack.paper.storage import ACCOUNTS, HOLDINGS, ORDERS, Document, serial


def insert_order(db: Database[Document], doc: Document) -> None:
    db[ORDERS].insert_one(doc)


def orders_by_ids(db: Database[Document], order_ids: list[str]) -> list[Document]:
    """The orders of `order_ids` that exist, one lookup by _id each (each_id: they are any user's,
    and FerretDB v1 scans for `_id $in` alone; a tick's crossed orders are few)."""
    found = (db[ORDERS].find_one(by_id) for by_id in each_id(order_ids))
    return [doc for doc in found if doc is not None]


def get_order(db: Database[Document], user_id: str, order_id: str) -> Document | None:
    return db[ORDERS].find_one({"_id": order_id, "userId": user_id})


def order_by_id(db: Database[Document], order_id: str) -> Document | None:
    return db[ORDERS].find_one({"_id": order_id})


def list_orders(
    db: Database[Document], user_id: str, account_id: str, *, limit: int, state: str | None = None
) -> list[Document]:
    query: Document = {"userId": user_id, "accountId": account_id}
    if state is not None:
        query["state"] = state
    return list(db[ORDERS].find(query).sort("createdAt", DESCENDING).limit(limit))


def has_pending(db: Database[Document], user_id: str, account_id: str) -> bool:
    found = db[ORDERS].find_one(
        {"userId": user_id, "accountId": account_id, "state": {"$in": list(LIVE_STATES)}}, {"_id": 1}
    )
    return found is not None


def orders_since(db: Database[Document], user_id: str, account_id: str, since: datetime) -> list[Document]:
    """The account's orders placed after `since` (its last reset, or its opening)."""
    query = {"userId": user_id, "accountId": account_id, "createdAt": {"$gte": since}}
    return list(db[ORDERS].find(query, {"history": 0}))


def transition(
    db: Database[Document],
    cache: redis.Redis,
    order_id: str,
    *,
    source: str | tuple[str, ...],
    target: str,
    at: datetime,
    reason: str | None = None,
    fields: Document | None = None,
    before: bool = False,
) -> Document | None:
    """Move the order from `source` (a state, or any of several) to `target`, recorded in its
    history: the order after the move (or, `before`, just before it); None: it was not in `source`."""
    step: Document = {"state": target, "at": at, "reason": reason}
    state: Any = source if isinstance(source, str) else {"$in": list(source)}
    with serial(cache, order_id):
        found: Document | None = db[ORDERS].find_one_and_update(
            {"_id": order_id, "state": state},
            {"$set": {"state": target, "updatedAt": at, **(fields or {})}, "$push": {"history": step}},
            return_document=ReturnDocument.BEFORE if before else ReturnDocument.AFTER,
        )
    return found


def claim_fill(
    db: Database[Document],
    cache: redis.Redis,
    order_id: str,
    seq: int,
    *,
    target: str,
    at: datetime,
    record: Document,
    fields: Document,
) -> Document | None:
    """Record fill `seq` on a live order whose last fill is `seq - 1`, moving it to `target`
    (executed or partially_executed); None: another fill or a cancel came first."""
    step: Document = {"state": target, "at": at, "reason": None, "quantity": record["quantity"]}
    with serial(cache, order_id):
        found: Document | None = db[ORDERS].find_one_and_update(
            {"_id": order_id, "state": {"$in": list(LIVE_STATES)}, "seq": seq - 1},
            {
                "$set": {"state": target, "updatedAt": at, "seq": seq, **fields},
                "$push": {"fills": record, "history": step},
            },
            return_document=ReturnDocument.AFTER,
        )
    return found


def trigger(
    db: Database[Document], cache: redis.Redis, order_id: str, at: datetime, fields: Document
) -> Document | None:
    """An untriggered stop order triggered: it leaves the trigger index (and, SL, rests at its limit)."""
    with serial(cache, order_id):
        found: Document | None = db[ORDERS].find_one_and_update(
            {"_id": order_id, "state": "pending", "trigger": {"$ne": None}},
            {"$set": {"trigger": None, "triggeredAt": at, "updatedAt": at, **fields}},
            return_document=ReturnDocument.AFTER,
        )
    return found


def add_held(db: Database[Document], cache: redis.Redis, order_id: str, amount: int) -> bool:
    """A live buy holds `amount` more (funds already held on its account); False: it ended."""
    with serial(cache, order_id):
        done = db[ORDERS].update_one(
            {"_id": order_id, "state": {"$in": list(LIVE_STATES)}}, {"$inc": {"held": amount}}
        )
    return done.modified_count == 1


def crossed(db: Database[Document], quote_symbol: str, price: int) -> list[Document]:
    """Live limit orders of an instrument that a trade at `price` fills, through the price index
    (resting_by_price): buys limited at or above it, sells at or below it; oldest first."""
    live = {"$in": list(LIVE_STATES)}
    buys = db[ORDERS].find(
        {"state": live, "quoteSymbol": quote_symbol, "side": "BUY", "price": {"$gte": price}}
    )
    sells = db[ORDERS].find(
        {"state": live, "quoteSymbol": quote_symbol, "side": "SELL", "price": {"$lte": price}}
    )
    return sorted([*buys, *sells], key=lambda o: (o["createdAt"], o["_id"]))


def stops_triggered(db: Database[Document], quote_symbol: str, price: int) -> list[Document]:
    """Untriggered SL and SL-M orders that a trade at `price` triggers, through stops_by_trigger:
    buys with their trigger at or under it, sells at or over it; oldest first."""
    buys = db[ORDERS].find(
        {"state": "pending", "quoteSymbol": quote_symbol, "side": "BUY", "trigger": {"$lte": price}}
    )
    sells = db[ORDERS].find(
        {"state": "pending", "quoteSymbol": quote_symbol, "side": "SELL", "trigger": {"$gte": price}}
    )
    return sorted([*buys, *sells], key=lambda o: (o["createdAt"], o["_id"]))


def expired(db: Database[Document], now: datetime) -> list[Document]:
    """Live orders whose validity ended at or before `now`."""
    return list(db[ORDERS].find({"state": {"$in": list(LIVE_STATES)}, "expiresAt": {"$lte": now}}))


def live_orders(db: Database[Document]) -> list[Document]:
    """Every live order (rebuilding the Redis price index): by resting_by_price's state prefix."""
    return list(db[ORDERS].find({"state": {"$in": list(LIVE_STATES)}}, {"history": 0, "fills": 0}))


def live_mis_orders(db: Database[Document]) -> list[Document]:
    """Every live MIS order (canceled by the 15:20 square-off)."""
    return list(db[ORDERS].find({"product": "MIS", "state": {"$in": list(LIVE_STATES)}}))


def live_mis_orders_of(db: Database[Document], account_id: str, quote_symbol: str) -> list[Document]:
    """An account's live MIS orders in one instrument (canceled before its position is stopped out)."""
    query = {"product": "MIS", "state": {"$in": list(LIVE_STATES)}, "accountId": account_id}
    return list(db[ORDERS].find({**query, "quoteSymbol": quote_symbol}, {"history": 0, "fills": 0}))


def resting_symbols(db: Database[Document]) -> list[str]:
    """The instruments with live orders (the quotes the feed must see)."""
    return sorted(str(s) for s in db[ORDERS].distinct("quoteSymbol", {"state": {"$in": list(LIVE_STATES)}}))


def retire(db: Database[Document], cache: redis.Redis, order: Document) -> None:
    """An ended order whose fills are all applied: mark it settled, then drop its watermarks from
    the account and the holding (in that order: a replay reads `settled` under their locks)."""
    db[ORDERS].update_one({"_id": order["_id"]}, {"$set": {"settled": True}})
    drop = {"$unset": {f"fillSeq.{order['_id']}": ""}}
    with serial(cache, order["accountId"]):
        db[ACCOUNTS].update_one({"_id": order["accountId"]}, drop)
    doc_id = holding_id(order["accountId"], order["exchange"], order["symbol"], order.get("product", "CNC"))
    with serial(cache, doc_id):
        db[HOLDINGS].update_one({"_id": doc_id}, drop)
