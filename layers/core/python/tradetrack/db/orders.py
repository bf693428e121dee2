"""The orders collection: each broker account's order book as its syncs saw it.

One document per (account, broker order id): `_id` is "<accountId>:<orderId>". Every sync stores
the orders the broker reports (Kite and Upstox report today's book): a new one is inserted, one
whose status, quantities or prices moved is upserted (the latest state `$set`, timestamps too),
an unchanged one is left as it is (`lastSeenAt` is the last sync that saw it change). The first
sight is kept (`firstSeenAt`), and each distinct (status, filled quantity, time) the syncs saw is
added to `statusHistory`, so an order seen OPEN and then COMPLETE keeps both. Prices are integers scaled
by 10^4 (tradetrack.money). `state` is the broker's status reduced to open, complete, cancelled
or rejected: what GET /v1/orders filters on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pymongo import UpdateOne
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from tradetrack.db.bulk import write_in_commands

Document = dict[str, Any]
OrderState = Literal["open", "complete", "cancelled", "rejected"]
ORDERS = "orders"
# Written once, when an order is first seen (a later sync must not move it).
INSERT_ONLY = ("firstSeenAt",)
HISTORY = "statusHistory"
# What changes while an order lives (a fill, a modification, its end): an order whose fields are
# as stored is not written again, so a sync writes only new orders and the ones that moved.
MUTABLE = (
    "status",
    "statusMessage",
    "quantity",
    "filledQuantity",
    "pendingQuantity",
    "cancelledQuantity",
    "price",
    "triggerPrice",
    "averagePrice",
)


def order_id_of(account_id: str, order_id: str) -> str:
    return f"{account_id}:{order_id}"


def _upsert(doc: Document) -> UpdateOne:
    fields = {k: v for k, v in doc.items() if k not in ("_id", HISTORY, *INSERT_ONLY)}
    once = {k: doc[k] for k in INSERT_ONLY if k in doc}
    if fields.get("placedAt") is None:  # no time from the broker: when first seen, kept
        fields.pop("placedAt", None)
        once["placedAt"] = doc["firstSeenAt"]
    update: Document = {"$set": fields, "$setOnInsert": once}
    if doc.get(HISTORY):
        update["$addToSet"] = {HISTORY: {"$each": list(doc[HISTORY])}}
    return UpdateOne({"_id": doc["_id"]}, update, upsert=True)


def _new(doc: Document) -> Document:
    """A first-seen order as inserted: without its unset (None) fields, which its readers take as
    null (tradetrack.accounts.orderbook.order_out): an order has ~7 of them, and each stored field
    costs every insert (20,000 Kite orders: 3.1-3.4 s of the local store's CPU with them, 2.5-2.7 s
    without). An upsert of a moved order `$set`s them, so a value that went back to None is null."""
    return {k: v for k, v in doc.items() if v is not None} | {
        "placedAt": doc.get("placedAt") or doc["firstSeenAt"]
    }


def store_orders(db: Database[Document], docs: Sequence[Document]) -> int:
    """Store the orders of one sync; each doc has `_id`, the fields to set, `firstSeenAt`,
    `lastSeenAt` and `statusHistory` (this sync's view). One read of the stored ones (by `_id`),
    one insert of the new ones, and upserts (tradetrack.db.bulk.STATEMENTS_PER_COMMAND a command)
    of those whose MUTABLE fields moved: a book that did not change costs one read. An order
    without `placedAt` is placed when first seen. Returns how many were new."""
    if not docs:
        return 0
    ids = [doc["_id"] for doc in docs]
    # the `_id` index serves the read; the user and account, equalities FerretDB's SQL can use (the
    # user through the index mirror of the user-led indexes, docs/local-store.md), keep the local
    # store from scanning every account's orders (a sync's orders are one account's)
    query: Document = {"_id": {"$in": ids}}
    for key in ("userId", "accountId"):
        values = {doc.get(key) for doc in docs}
        if len(values) == 1 and None not in values:
            query[key] = values.pop()
    found = db[ORDERS].find(query, dict.fromkeys(MUTABLE, 1)).limit(len(ids)).batch_size(len(ids))
    stored = {d["_id"]: d for d in found}  # one round trip: the limit is the first batch's size
    fresh = [_new(doc) for doc in docs if doc["_id"] not in stored]
    moved = [
        doc
        for doc in docs
        if doc["_id"] in stored and any(stored[doc["_id"]].get(k) != doc.get(k) for k in MUTABLE)
    ]
    inserted = len(fresh)
    if fresh:
        try:
            db[ORDERS].insert_many(fresh, ordered=False)
        except BulkWriteError as exc:  # stored meanwhile (another sync of the account): upsert those
            taken = {
                fresh[e["index"]]["_id"] for e in exc.details.get("writeErrors", []) if e.get("code") == 11000
            }
            if len(taken) != len(exc.details.get("writeErrors", [])):
                raise
            inserted -= len(taken)
            moved += [doc for doc in docs if doc["_id"] in taken]
    write_in_commands(db[ORDERS], [_upsert(doc) for doc in moved])
    return inserted


def user_orders(
    db: Database[Document],
    user_id: str,
    *,
    account_id: str | None,
    state: OrderState | None,
    limit: int,
    after: tuple[datetime, str] | None,
) -> list[Document]:
    """A user's orders, newest placed first; `after` is the (placedAt, _id) the previous page ended on."""
    query: Document = {"userId": user_id}
    if account_id is not None:
        query["accountId"] = account_id
    if state is not None:
        query["state"] = state
    if after is not None:
        placed, last_id = after
        query["$or"] = [{"placedAt": {"$lt": placed}}, {"placedAt": placed, "_id": {"$lt": last_id}}]
    return list(db[ORDERS].find(query).sort([("placedAt", -1), ("_id", -1)]).limit(limit))
