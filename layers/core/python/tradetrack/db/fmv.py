"""The fmv_2018 collection: a user's fair market value on 31 January 2018 per ISIN (grandfathering
of long-term gains on equity acquired before 1 February 2018, Income-tax Act s.55(2)(ac)).
One document per (user, ISIN), written by `_id`; read by the userId index."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo.database import Database

Document = dict[str, Any]
FMV = "fmv_2018"


def fmv_id(user_id: str, isin: str) -> str:
    return f"{user_id}|{isin}"


def fmv_of(db: Database[Document], user_id: str) -> dict[str, int]:
    """{ISIN: FMV per unit, scaled 10^4} of the user."""
    return {
        doc["isin"]: int(doc["price"]) for doc in db[FMV].find({"userId": user_id}, {"isin": 1, "price": 1})
    }


def save_fmv(db: Database[Document], user_id: str, isin: str, price: int) -> None:
    doc = {
        "_id": fmv_id(user_id, isin),
        "userId": user_id,
        "isin": isin,
        "price": price,
        "updatedAt": datetime.now(UTC),
    }
    db[FMV].replace_one({"_id": doc["_id"]}, doc, upsert=True)


def delete_fmv(db: Database[Document], user_id: str, isin: str) -> bool:
    return db[FMV].delete_one({"_id": fmv_id(user_id, isin)}).deleted_count == 1
