"""The settlements collection: a user's settlement price of an underlying on an expiry day.

One price per (user, exchange, underlying, expiry day) settles every contract of that underlying
expiring that day (futures at the price, options at their intrinsic value). Read and written by
`_id`; only this module names the collection.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from pymongo.database import Database

from tradetrack.db.filters import owned_ids

Document = dict[str, Any]
SETTLEMENTS = "settlements"
Key = tuple[str, str, date]  # (exchange, underlying, expiry)


def settlement_id(user_id: str, key: Key) -> str:
    exchange, underlying, expiry = key
    return f"{user_id}|{exchange}|{underlying}|{expiry.isoformat()}"


def prices_for(db: Database[Document], user_id: str, keys: Iterable[Key]) -> dict[Key, int]:
    """The user's settlement prices (scaled) of these expiries, in one read by `_id`."""
    wanted = {settlement_id(user_id, key): key for key in keys}
    if not wanted:
        return {}
    return {wanted[doc["_id"]]: int(doc["price"]) for doc in db[SETTLEMENTS].find(owned_ids(user_id, wanted))}


def save(db: Database[Document], user_id: str, key: Key, price: int) -> Document:
    exchange, underlying, expiry = key
    doc = {
        "_id": settlement_id(user_id, key),
        "userId": user_id,
        "exchange": exchange,
        "underlying": underlying,
        "expiry": expiry.isoformat(),
        "price": price,
        "updatedAt": datetime.now(UTC),
    }
    db[SETTLEMENTS].replace_one({"_id": doc["_id"]}, doc, upsert=True)
    return doc


def remove(db: Database[Document], user_id: str, key: Key) -> bool:
    return db[SETTLEMENTS].delete_one({"_id": settlement_id(user_id, key)}).deleted_count == 1


def list_for(db: Database[Document], user_id: str) -> list[Document]:
    return list(db[SETTLEMENTS].find({"userId": user_id}).sort([("expiry", -1), ("_id", 1)]))
