"""The trades collection: round trips derived from executions, plus the user's annotations.

Derived fields are rewritten on every recomputation; notes, tags, strategy and a category
override belong to the user and are never touched by it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.database import Database

Document = dict[str, Any]
TRADES = "trades"
ANNOTATIONS: Document = {"notes": "", "tags": [], "strategy": None, "categoryOverride": None}


def replace_trades(
    db: Database[Document], user_id: str, pairs: Sequence[tuple[str, str]], derived: Sequence[Document]
) -> None:
    """Make the stored trades of these (accountId, instrument) pairs exactly `derived`, keeping
    the user's annotations by trade id. Three queries whatever the number of instruments."""
    if not pairs:
        return
    wanted = set(pairs)
    scope = {
        "userId": user_id,
        "accountId": {"$in": sorted({account for account, _ in wanted})},
        "instrument": {"$in": sorted({instrument for _, instrument in wanted})},
    }
    overrides = {
        doc["_id"]: doc.get("categoryOverride") for doc in db[TRADES].find(scope, {"categoryOverride": 1})
    }
    ops: list[Any] = []
    for trade in derived:
        fields = {**trade, "category": overrides.get(trade["_id"]) or trade["autoCategory"]}
        ops.append(
            UpdateOne({"_id": trade["_id"]}, {"$set": fields, "$setOnInsert": ANNOTATIONS}, upsert=True)
        )
    if ops:
        db[TRADES].bulk_write(ops, ordered=False)
    keep = {trade["_id"] for trade in derived}
    stale = [
        doc["_id"]
        for doc in db[TRADES].find(scope, {"accountId": 1, "instrument": 1})
        if doc["_id"] not in keep and (doc["accountId"], doc["instrument"]) in wanted
    ]
    if stale:
        db[TRADES].delete_many({"userId": user_id, "_id": {"$in": stale}})


def set_annotations(
    db: Database[Document], user_id: str, trade_id: str, changes: Document
) -> Document | None:
    """Apply the user's changes to their trade; None when it is not theirs (or does not exist)."""
    trade = db[TRADES].find_one({"_id": trade_id, "userId": user_id})
    if trade is None:
        return None
    fields = dict(changes)
    if "categoryOverride" in fields:
        fields["category"] = fields["categoryOverride"] or trade["autoCategory"]
    if fields:
        db[TRADES].update_one({"_id": trade_id, "userId": user_id}, {"$set": fields})
    return db[TRADES].find_one({"_id": trade_id, "userId": user_id})


def get_trade(db: Database[Document], user_id: str, trade_id: str) -> Document | None:
    return db[TRADES].find_one({"_id": trade_id, "userId": user_id})


def find_trades(
    db: Database[Document], user_id: str, filters: Document, *, limit: int, after: tuple[datetime, str] | None
) -> list[Document]:
    """Newest opened first; `after` is the (openedAt, _id) of the last trade of the previous page."""
    query: Document = {"userId": user_id, **filters}
    if after is not None:
        opened, trade_id = after
        query["$or"] = [{"openedAt": {"$lt": opened}}, {"openedAt": opened, "_id": {"$lt": trade_id}}]
    return list(db[TRADES].find(query).sort([("openedAt", -1), ("_id", -1)]).limit(limit))


def open_trades(db: Database[Document], user_id: str) -> list[Document]:
    return list(db[TRADES].find({"userId": user_id, "status": "open"}))


def closed_between(db: Database[Document], user_id: str, start: datetime, end: datetime) -> list[Document]:
    """The user's trades closed in [start, end) (the daily summary)."""
    query = {"userId": user_id, "status": "closed", "closedAt": {"$gte": start, "$lt": end}}
    return list(db[TRADES].find(query).sort([("closedAt", 1), ("_id", 1)]))
