"""Paper trading's storage: the only module naming its collections (indexes: tradetrack.db.indexes).

Every change of money or quantity is one conditional single-document update: a hold `$inc`s
available down and held up only while `available >= amount`; an order moves between states only
from the state it is in; a fill is applied to the account and to the holding only if that fill's
key is not yet among the document's `appliedFills`, so replaying it changes nothing. Each such
write also holds the document's Redis lock (`_serial`: FerretDB v1's updates are not atomic).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import redis
from pymongo import DESCENDING, ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tradetrack.cache.locks import redis_lock

Document = dict[str, Any]
ACCOUNTS = "paper_accounts"
ORDERS = "paper_orders"
HOLDINGS = "paper_holdings"
_LOCK = "paper:lock:{}"  # one document's writes, one at a time
LOCK_TTL_MS = 5_000


def _serial(cache: redis.Redis, doc_id: str) -> Any:
    """Writes to one document one at a time. MongoDB applies each conditional update atomically
    without it; FerretDB v1 (the local and test store) reads and writes a document in two steps,
    so two guarded `$inc`s can both pass their guard there: the lock closes that gap."""
    return redis_lock(cache, _LOCK.format(doc_id), ttl_ms=LOCK_TTL_MS, wait_s=LOCK_TTL_MS / 1000)


# Accounts


def insert_account(db: Database[Document], doc: Document) -> None:
    db[ACCOUNTS].insert_one(doc)


def get_account(db: Database[Document], user_id: str, account_id: str) -> Document | None:
    return db[ACCOUNTS].find_one({"_id": account_id, "userId": user_id}, {"appliedFills": 0})


def list_accounts(db: Database[Document], user_id: str) -> list[Document]:
    return list(db[ACCOUNTS].find({"userId": user_id}, {"appliedFills": 0}).sort("createdAt", 1))


def hold(db: Database[Document], cache: redis.Redis, user_id: str, account_id: str, amount: int) -> bool:
    """Lock `amount` of the open account's available funds; False when it has less."""
    with _serial(cache, account_id):
        done = db[ACCOUNTS].update_one(
            {"_id": account_id, "userId": user_id, "status": "open", "available": {"$gte": amount}},
            {"$inc": {"available": -amount, "held": amount}},
        )
    return done.modified_count == 1


def release(db: Database[Document], cache: redis.Redis, account_id: str, amount: int) -> bool:
    """Give back `amount` of held funds to available (a pending buy canceled, or a failed placement)."""
    with _serial(cache, account_id):
        done = db[ACCOUNTS].update_one(
            {"_id": account_id, "held": {"$gte": amount}}, {"$inc": {"available": amount, "held": -amount}}
        )
    return done.modified_count == 1


def settle(
    db: Database[Document], cache: redis.Redis, account_id: str, key: str, *, held: int, available: int
) -> bool:
    """Apply fill `key` to the balance once: held −= `held`, available += `available`."""
    with _serial(cache, account_id):
        done = db[ACCOUNTS].update_one(
            {"_id": account_id, "appliedFills": {"$ne": key}},
            {"$inc": {"held": -held, "available": available}, "$push": {"appliedFills": key}},
        )
    return done.modified_count == 1


def reset_account(
    db: Database[Document], cache: redis.Redis, user_id: str, account_id: str, now: datetime
) -> bool:
    """Back to the starting balance, when nothing is held (no pending buy)."""
    account = db[ACCOUNTS].find_one({"_id": account_id, "userId": user_id}, {"startingBalance": 1})
    if account is None:
        return False
    with _serial(cache, account_id):
        done = db[ACCOUNTS].update_one(
            {"_id": account_id, "userId": user_id, "status": "open", "held": 0},
            {
                "$set": {"available": account["startingBalance"], "appliedFills": [], "resetAt": now},
                "$inc": {"resets": 1},
            },
        )
    if done.modified_count:
        db[HOLDINGS].delete_many({"userId": user_id, "accountId": account_id})
    return done.modified_count == 1


def close_account(
    db: Database[Document], cache: redis.Redis, user_id: str, account_id: str, now: datetime
) -> bool:
    with _serial(cache, account_id):
        done = db[ACCOUNTS].update_one(
            {"_id": account_id, "userId": user_id, "status": "open", "held": 0},
            {"$set": {"status": "closed", "closedAt": now}},
        )
    return done.modified_count == 1


# Holdings


def holding_id(account_id: str, exchange: str, symbol: str) -> str:
    return f"{account_id}|{exchange}:{symbol}"


def reserve(
    db: Database[Document], cache: redis.Redis, account_id: str, exchange: str, symbol: str, quantity: int
) -> bool:
    """Set aside `quantity` of a holding for a pending sell; False when less is free."""
    doc_id = holding_id(account_id, exchange, symbol)
    with _serial(cache, doc_id):
        done = db[HOLDINGS].update_one(
            {"_id": doc_id, "free": {"$gte": quantity}}, {"$inc": {"free": -quantity}}
        )
    return done.modified_count == 1


def unreserve(
    db: Database[Document], cache: redis.Redis, account_id: str, exchange: str, symbol: str, quantity: int
) -> None:
    doc_id = holding_id(account_id, exchange, symbol)
    with _serial(cache, doc_id):
        db[HOLDINGS].update_one({"_id": doc_id}, {"$inc": {"free": quantity}})


def apply_to_holding(
    db: Database[Document], cache: redis.Redis, order: Document, key: str, *, quantity: int, free: int
) -> bool:
    """Apply fill `key` to the order's holding once (created by a first buy)."""
    query: Document = {
        "_id": holding_id(order["accountId"], order["exchange"], order["symbol"]),
        "appliedFills": {"$ne": key},
    }
    change: Document = {"$inc": {"quantity": quantity, "free": free}, "$push": {"appliedFills": key}}
    with _serial(cache, query["_id"]):
        return _apply_to_holding(db, order, query, change)


def _apply_to_holding(db: Database[Document], order: Document, query: Document, change: Document) -> bool:
    try:
        created = {"userId": order["userId"], "accountId": order["accountId"]}
        done = db[HOLDINGS].update_one(
            query,
            {**change, "$setOnInsert": {**created, "exchange": order["exchange"], "symbol": order["symbol"]}},
            upsert=True,
        )
        return done.modified_count == 1 or done.upserted_id is not None
    except DuplicateKeyError:
        # The holding exists: with this fill already (nothing to do), or created meanwhile by a
        # parallel first buy (this fill still to apply, now without an upsert).
        return db[HOLDINGS].update_one(query, change).modified_count == 1


def holdings_of(db: Database[Document], user_id: str, account_id: str) -> list[Document]:
    return list(
        db[HOLDINGS].find(
            {"userId": user_id, "accountId": account_id, "quantity": {"$gt": 0}}, {"appliedFills": 0}
        )
    )


# Orders


def insert_order(db: Database[Document], doc: Document) -> None:
    db[ORDERS].insert_one(doc)


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
    found = db[ORDERS].find_one({"userId": user_id, "accountId": account_id, "state": "pending"}, {"_id": 1})
    return found is not None


def transition(
    db: Database[Document],
    cache: redis.Redis,
    order_id: str,
    *,
    source: str,
    target: str,
    at: datetime,
    reason: str | None = None,
    fields: Document | None = None,
) -> Document | None:
    """Move the order from `source` to `target` (recorded in its history); None: it was not in `source`."""
    step: Document = {"state": target, "at": at, "reason": reason}
    with _serial(cache, order_id):
        found: Document | None = db[ORDERS].find_one_and_update(
            {"_id": order_id, "state": source},
            {"$set": {"state": target, "updatedAt": at, **(fields or {})}, "$push": {"history": step}},
            return_document=ReturnDocument.AFTER,
        )
    return found


def crossed(db: Database[Document], quote_symbol: str, price: int) -> list[Document]:
    """Pending limit orders of an instrument that a trade at `price` fills, through the price index:
    buys limited at or above it, sells at or below it."""
    buys = db[ORDERS].find(
        {"state": "pending", "quoteSymbol": quote_symbol, "side": "BUY", "price": {"$gte": price}}
    )
    sells = db[ORDERS].find(
        {"state": "pending", "quoteSymbol": quote_symbol, "side": "SELL", "price": {"$lte": price}}
    )
    return [*buys, *sells]


def expired(db: Database[Document], now: datetime) -> list[Document]:
    """Pending orders whose validity ended at or before `now`."""
    return list(db[ORDERS].find({"state": "pending", "expiresAt": {"$lte": now}}))


def resting_symbols(db: Database[Document]) -> list[str]:
    """The instruments with pending limit orders (the quotes the feed must see)."""
    return sorted(str(s) for s in db[ORDERS].distinct("quoteSymbol", {"state": "pending"}))
