"""The orders collection: each broker account's order book as its syncs saw it.

One document per (account, broker order id): `_id` is "<accountId>:<orderId>". Every sync upserts
the orders the broker reports (Kite and Upstox report today's book) in unordered bulk writes of
CHUNK orders: the latest state is `$set` (status, quantities, average price, timestamps), the
first sight is kept
(`firstSeenAt`), and each distinct (status, filled quantity, time) the syncs saw is added to
`statusHistory`, so an order seen OPEN and then COMPLETE keeps both. Prices are integers scaled
by 10^4 (tradetrack.money). `state` is the broker's status reduced to open, complete, cancelled
or rejected: what GET /v1/orders filters on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pymongo import UpdateOne
from pymongo.database import Database

Document = dict[str, Any]
OrderState = Literal["open", "complete", "cancelled", "rejected"]
ORDERS = "orders"
# Written once, when an order is first seen (a later sync must not move it).
INSERT_ONLY = ("firstSeenAt",)
HISTORY = "statusHistory"
# Upserts per update command: FerretDB v1 (SQLite, the test store) stalls for minutes on an update
# command of about 100 statements that match stored documents, while 50 take ~0.1 s; a day's book
# is usually well under 50 orders, so one round trip a sync.
CHUNK = 50


def order_id_of(account_id: str, order_id: str) -> str:
    return f"{account_id}:{order_id}"


def store_orders(db: Database[Document], docs: Sequence[Document]) -> int:
    """Upsert the orders of one sync, one round trip per CHUNK orders; each doc has `_id`, the
    fields to set, `firstSeenAt` and `statusHistory` (this sync's view). An order without
    `placedAt` is placed when first seen. Returns how many were new."""
    if not docs:
        return 0
    ops = []
    for doc in docs:
        fields = {k: v for k, v in doc.items() if k not in ("_id", HISTORY, *INSERT_ONLY)}
        once = {k: doc[k] for k in INSERT_ONLY if k in doc}
        if fields.get("placedAt") is None:  # no time from the broker: when first seen, kept
            fields.pop("placedAt", None)
            once["placedAt"] = doc["firstSeenAt"]
        update: Document = {"$set": fields, "$setOnInsert": once}
        if doc.get(HISTORY):
            update["$addToSet"] = {HISTORY: {"$each": list(doc[HISTORY])}}
        ops.append(UpdateOne({"_id": doc["_id"]}, update, upsert=True))
    return sum(
        int(db[ORDERS].bulk_write(ops[start : start + CHUNK], ordered=False).upserted_count)
        for start in range(0, len(ops), CHUNK)
    )


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
