"""Paper trading's storage: the only module naming its collections (indexes: tradetrack.db.indexes).

Every change of money or quantity is one conditional single-document update: a hold `$inc`s
available down and held up only while `available >= amount`; an order moves between states only
from the state it is in (a fill only from its previous fill sequence); a fill is applied to the
account and to the holding only when the document's watermark for that order (`fillSeq.<orderId>`)
is the fill's predecessor, so fills apply once and in order, and replaying one changes nothing.
A settled order (final, every fill applied) gives its watermarks up (`retire`), so the documents
stay bounded; its replays are refused by the order's `settled` flag, read under the same lock.
Each such write holds the document's Redis lock (`_serial`: FerretDB v1's updates are not atomic).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import redis
from pymongo import DESCENDING, ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tradetrack.cache.locks import redis_lock
from tradetrack.db.filters import each_id
from tradetrack.paper.ledger import credit
from tradetrack.paper.models import LIVE_STATES

Document = dict[str, Any]
ACCOUNTS = "paper_accounts"
ORDERS = "paper_orders"
HOLDINGS = "paper_holdings"
_LOCK = "paper:lock:{}"  # one document's writes, one at a time
LOCK_TTL_MS = 5_000
_SETTLE_TRIES = 20


def _serial(cache: redis.Redis, doc_id: str) -> Any:
    """Writes to one document one at a time. MongoDB applies each conditional update atomically
    without it; FerretDB v1 (the local and test store) reads and writes a document in two steps,
    so two guarded `$inc`s can both pass their guard there: the lock closes that gap."""
    return redis_lock(cache, _LOCK.format(doc_id), ttl_ms=LOCK_TTL_MS, wait_s=LOCK_TTL_MS / 1000)


# Accounts


def insert_account(db: Database[Document], doc: Document) -> None:
    db[ACCOUNTS].insert_one(doc)


_WATERMARKS = {"appliedFills": 0, "fillSeq": 0}


def get_account(db: Database[Document], user_id: str, account_id: str) -> Document | None:
    return db[ACCOUNTS].find_one({"_id": account_id, "userId": user_id}, _WATERMARKS)


def accounts_by_id(db: Database[Document], account_ids: list[str]) -> list[Document]:
    return list(db[ACCOUNTS].find({"_id": {"$in": account_ids}}, _WATERMARKS))


def accounts_after(db: Database[Document], after: str | None, limit: int) -> list[Document]:
    """Every user's accounts one page at a time in `_id` order (the scheduled full reconciliation)."""
    query: Document = {} if after is None else {"_id": {"$gt": after}}
    return list(db[ACCOUNTS].find(query, _WATERMARKS).sort("_id", 1).limit(limit))


def list_accounts(db: Database[Document], user_id: str) -> list[Document]:
    return list(db[ACCOUNTS].find({"userId": user_id}, _WATERMARKS).sort("createdAt", 1))


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


def _next_fill(db: Database[Document], order_id: str, seq: int) -> Document | None:
    """The guard of fill `seq` of an order on a document: its watermark is the fill before; None
    when the first fill of an order already settled (its watermark was given up: a replay)."""
    if seq > 1:
        return {f"fillSeq.{order_id}": seq - 1}
    settled = db[ORDERS].find_one({"_id": order_id}, {"settled": 1})
    if settled is not None and settled.get("settled"):
        return None
    return {f"fillSeq.{order_id}": {"$exists": False}}


def settle(
    db: Database[Document],
    cache: redis.Redis,
    account_id: str,
    order_id: str,
    seq: int,
    *,
    held: int,
    available: int,
) -> bool:
    """Apply fill `seq` of an order to the balance once: held −= `held`, and `available` credited
    through ledger.credit (a credit pays any debit first; a debit beyond the cash left is recorded
    as `debit`, never a negative `available`). The new figures are set where the account still has
    the figures they came from (compare-and-set: a hold racing without the lock retries)."""
    with _serial(cache, account_id):
        for _ in range(_SETTLE_TRIES):
            guard = _next_fill(db, order_id, seq)
            if guard is None:
                return False
            current = db[ACCOUNTS].find_one({"_id": account_id, **guard}, {"available": 1, "debit": 1})
            if current is None:  # applied already (or no such account)
                return False
            cash, debit = credit(int(current["available"]), int(current.get("debit", 0)), available)
            was = current.get("debit")
            done = db[ACCOUNTS].update_one(
                {
                    "_id": account_id,
                    **guard,
                    "available": current["available"],
                    "debit": {"$exists": False} if was is None else was,
                },
                {
                    "$inc": {"held": -held},
                    "$set": {"available": cash, "debit": debit, f"fillSeq.{order_id}": seq},
                },
            )
            if done.modified_count == 1:
                return True
    raise RuntimeError(f"paper account {account_id}: fill {order_id}:{seq} not settled after retries")


def retire(db: Database[Document], cache: redis.Redis, order: Document) -> None:
    """An ended order whose fills are all applied: mark it settled, then drop its watermarks from
    the account and the holding (in that order: a replay reads `settled` under their locks)."""
    db[ORDERS].update_one({"_id": order["_id"]}, {"$set": {"settled": True}})
    drop = {"$unset": {f"fillSeq.{order['_id']}": ""}}
    with _serial(cache, order["accountId"]):
        db[ACCOUNTS].update_one({"_id": order["accountId"]}, drop)
    doc_id = holding_id(order["accountId"], order["exchange"], order["symbol"], order.get("product", "CNC"))
    with _serial(cache, doc_id):
        db[HOLDINGS].update_one({"_id": doc_id}, drop)


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
                "$set": {"available": account["startingBalance"], "debit": 0, "fillSeq": {}, "resetAt": now},
                "$unset": {"appliedFills": ""},
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


def holding_id(account_id: str, exchange: str, symbol: str, product: str = "CNC") -> str:
    """A delivery holding per instrument; an MIS position apart from it."""
    return f"{account_id}|{exchange}:{symbol}" + ("" if product == "CNC" else f"|{product}")


def get_holding(
    db: Database[Document], account_id: str, exchange: str, symbol: str, product: str
) -> Document | None:
    return db[HOLDINGS].find_one({"_id": holding_id(account_id, exchange, symbol, product)}, _WATERMARKS)


def reserve(
    db: Database[Document],
    cache: redis.Redis,
    account_id: str,
    exchange: str,
    symbol: str,
    quantity: int,
    product: str = "CNC",
    *,
    short: bool = False,
) -> bool:
    """Set aside `quantity` of a holding for a pending sell (or, `short`, of an MIS short for a
    pending cover: a short's `free` is negative, the quantity not yet reserved by covers); False
    when less is free."""
    doc_id = holding_id(account_id, exchange, symbol, product)
    guard, change = ({"$lte": -quantity}, quantity) if short else ({"$gte": quantity}, -quantity)
    with _serial(cache, doc_id):
        done = db[HOLDINGS].update_one({"_id": doc_id, "free": guard}, {"$inc": {"free": change}})
    return done.modified_count == 1


def unreserve(
    db: Database[Document],
    cache: redis.Redis,
    account_id: str,
    exchange: str,
    symbol: str,
    quantity: int,
    product: str = "CNC",
    *,
    short: bool = False,
) -> None:
    doc_id = holding_id(account_id, exchange, symbol, product)
    with _serial(cache, doc_id):
        db[HOLDINGS].update_one({"_id": doc_id}, {"$inc": {"free": -quantity if short else quantity}})


def apply_to_holding(
    db: Database[Document],
    cache: redis.Redis,
    order: Document,
    seq: int,
    *,
    quantity: int,
    free: int,
    cost: int,
    margin: int,
) -> bool:
    """Apply fill `seq` of the order to its holding once (created by a first buy)."""
    product = order.get("product", "CNC")
    doc_id = holding_id(order["accountId"], order["exchange"], order["symbol"], product)
    change: Document = {
        "$inc": {"quantity": quantity, "free": free, "cost": cost, "margin": margin},
        "$set": {f"fillSeq.{order['_id']}": seq},
    }
    with _serial(cache, doc_id):
        guard = _next_fill(db, order["_id"], seq)
        if guard is None:
            return False
        return _apply_to_holding(db, order, {"_id": doc_id, **guard}, change)


def _apply_to_holding(db: Database[Document], order: Document, query: Document, change: Document) -> bool:
    try:
        created = {"userId": order["userId"], "accountId": order["accountId"]}
        done = db[HOLDINGS].update_one(
            query,
            {
                **change,
                "$setOnInsert": {
                    **created,
                    "exchange": order["exchange"],
                    "symbol": order["symbol"],
                    "product": order.get("product", "CNC"),
                },
            },
            upsert=True,
        )
        return done.modified_count == 1 or done.upserted_id is not None
    except DuplicateKeyError:
        # The holding exists: with this fill already (nothing to do), or created meanwhile by a
        # parallel first buy (this fill still to apply, now without an upsert).
        return db[HOLDINGS].update_one(query, change).modified_count == 1


def holdings_of(db: Database[Document], user_id: str, account_id: str) -> list[Document]:
    """The account's open holdings and positions (an MIS short has a negative quantity)."""
    return list(
        db[HOLDINGS].find({"userId": user_id, "accountId": account_id, "quantity": {"$ne": 0}}, _WATERMARKS)
    )


def all_holdings_of(db: Database[Document], user_id: str, account_id: str) -> list[Document]:
    """Every holding of the account, sold out ones too (their cost basis counts in reconciliation)."""
    return list(db[HOLDINGS].find({"userId": user_id, "accountId": account_id}, _WATERMARKS))


def mis_positions_in(db: Database[Document], exchange: str, symbol: str) -> list[Document]:
    """Every account's open MIS positions in one instrument (a tick's stop-out check; the
    open_by_product index)."""
    query = {"product": "MIS", "quantity": {"$ne": 0}, "exchange": exchange, "symbol": symbol}
    return list(db[HOLDINGS].find(query, _WATERMARKS))


def mis_position_symbols(db: Database[Document]) -> list[str]:
    """The instruments ("NSE:INFY") of every account's open MIS positions (quoted for the stop-out)."""
    query = {"product": "MIS", "quantity": {"$ne": 0}}
    found = {f"{h['exchange']}:{h['symbol']}" for h in db[HOLDINGS].find(query, {"exchange": 1, "symbol": 1})}
    return sorted(found)


def open_mis_positions(db: Database[Document]) -> list[Document]:
    """Every account's MIS positions still open, long or short (the 15:20 square-off)."""
    return list(db[HOLDINGS].find({"product": "MIS", "quantity": {"$ne": 0}}, _WATERMARKS))


# Orders


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
    with _serial(cache, order_id):
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
    with _serial(cache, order_id):
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
    with _serial(cache, order_id):
        found: Document | None = db[ORDERS].find_one_and_update(
            {"_id": order_id, "state": "pending", "trigger": {"$ne": None}},
            {"$set": {"trigger": None, "triggeredAt": at, "updatedAt": at, **fields}},
            return_document=ReturnDocument.AFTER,
        )
    return found


def add_held(db: Database[Document], cache: redis.Redis, order_id: str, amount: int) -> bool:
    """A live buy holds `amount` more (funds already held on its account); False: it ended."""
    with _serial(cache, order_id):
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
