"""Paper holdings' storage: delivery holdings and MIS positions (long, or short with a negative
quantity), their reservations by closing orders and the fills applied to them once each
(tradetrack.paper.storage: the guards and locks they share)."""

from __future__ import annotations

import redis
from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tradetrack.db.filters import each_id
from tradetrack.paper import book
from tradetrack.paper.storage import HOLDINGS, WATERMARKS, Document, next_fill, serial


def holding_id(account_id: str, exchange: str, symbol: str, product: str = "CNC") -> str:
    """A delivery holding per instrument; an MIS position apart from it."""
    return f"{account_id}|{exchange}:{symbol}" + ("" if product == "CNC" else f"|{product}")


def get_holding(
    db: Database[Document], account_id: str, exchange: str, symbol: str, product: str
) -> Document | None:
    return db[HOLDINGS].find_one({"_id": holding_id(account_id, exchange, symbol, product)}, WATERMARKS)


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
    guard = {"$lte": -quantity} if short else {"$gte": quantity}
    change = quantity if short else -quantity
    return _move_free(db, cache, holding_id(account_id, exchange, symbol, product), change, guard)


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
    _move_free(db, cache, holding_id(account_id, exchange, symbol, product), -quantity if short else quantity)


def _move_free(
    db: Database[Document], cache: redis.Redis, doc_id: str, change: int, guard: Document | None = None
) -> bool:
    """`free` moved by `change` under the holding's lock, only while it meets `guard` (when given)."""
    query = {"_id": doc_id} if guard is None else {"_id": doc_id, "free": guard}
    with serial(cache, doc_id):
        return db[HOLDINGS].update_one(query, {"$inc": {"free": change}}).modified_count == 1


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
    with serial(cache, doc_id):
        guard = next_fill(db, order["_id"], seq)
        if guard is None:
            return False
        after = _apply_to_holding(db, order, {"_id": doc_id, **guard}, change)
        if after is not None and product == "MIS":
            book.index_position(cache, after)  # its stop-out price (under the lock: in order)
        return after is not None


def _apply_to_holding(
    db: Database[Document], order: Document, query: Document, change: Document
) -> Document | None:
    """The holding after the change, None when the guard did not match (applied already)."""
    try:
        created = {"userId": order["userId"], "accountId": order["accountId"]}
        return db[HOLDINGS].find_one_and_update(
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
            return_document=ReturnDocument.AFTER,
        )
    except DuplicateKeyError:
        # The holding exists: with this fill already (nothing to do), or created meanwhile by a
        # parallel first buy (this fill still to apply, now without an upsert).
        return db[HOLDINGS].find_one_and_update(query, change, return_document=ReturnDocument.AFTER)


def holdings_of(db: Database[Document], user_id: str, account_id: str) -> list[Document]:
    """The account's open holdings and positions (an MIS short has a negative quantity)."""
    return list(
        db[HOLDINGS].find({"userId": user_id, "accountId": account_id, "quantity": {"$ne": 0}}, WATERMARKS)
    )


def all_holdings_of(db: Database[Document], user_id: str, account_id: str) -> list[Document]:
    """Every holding of the account, sold out ones too (their cost basis counts in reconciliation)."""
    return list(db[HOLDINGS].find({"userId": user_id, "accountId": account_id}, WATERMARKS))


def mis_positions_in(db: Database[Document], exchange: str, symbol: str) -> list[Document]:
    """Every account's open MIS positions in one instrument (a tick's stop-out check; the
    open_by_product index)."""
    query = {"product": "MIS", "quantity": {"$ne": 0}, "exchange": exchange, "symbol": symbol}
    return list(db[HOLDINGS].find(query, WATERMARKS))


def holdings_by_id(db: Database[Document], holding_ids: list[str]) -> list[Document]:
    """These holdings, any account's (a tick's stop-out candidates): one lookup by `_id` each."""
    found = (db[HOLDINGS].find_one(by_id, WATERMARKS) for by_id in each_id(holding_ids))
    return [doc for doc in found if doc is not None]


def mis_position_symbols(db: Database[Document]) -> list[str]:
    """The instruments ("NSE:INFY") of every account's open MIS positions (quoted for the stop-out)."""
    query = {"product": "MIS", "quantity": {"$ne": 0}}
    found = {f"{h['exchange']}:{h['symbol']}" for h in db[HOLDINGS].find(query, {"exchange": 1, "symbol": 1})}
    return sorted(found)


def open_mis_positions(db: Database[Document]) -> list[Document]:
    """Every account's MIS positions still open, long or short (the 15:20 square-off)."""
    return list(db[HOLDINGS].find({"product": "MIS", "quantity": {"$ne": 0}}, WATERMARKS))
