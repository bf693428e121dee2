"""The tax report's read model (issue #20, docs/reports.md): a financial year's sales per pair.

`fy_sales`: one document per (user, account, instrument, FY) holding that pair's sales whose IST
sale date falls in the FY, as compact rows: `trades`, the pair's trades with a sale there (a short
list per trade: the fields a tax P&L row shows), and `sales`, the sales packed as little-endian
int64 rows (tradetrack.analytics.fy_sales.SALE_COLUMNS; money scaled 10^4 as in the trades).
`_id` = "userId|account|instrument|fy". Paper accounts' pairs are not stored (the tax P&L is the
real book's, tradetrack.book). A pair's FY with more sales than a document should hold is stored as
`overflow: true` without rows (its readers read the trades).

Kept with the per-day aggregates (tradetrack.analytics.daily, under the user's aggregates lock) and
trusted only when those are built at tradetrack.db.daily_pnl.AGGREGATE_VERSION. Writes go by `_id`;
the FY's read is one query served on MongoDB by the (userId, fy) index declared in
tradetrack.db.indexes.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from pymongo import DeleteOne, ReplaceOne
from pymongo.database import Database

from tradetrack.db.ledgers import insert_or_upsert

Document = dict[str, Any]
Pair = tuple[str, str]  # (accountId, instrument)
FY_SALES = "fy_sales"
BATCH = 10_000  # documents per round trip: a FY's pairs come back in one reply


def fy_id(user_id: str, pair: Pair, fy: int) -> str:
    return f"{user_id}|{pair[0]}|{pair[1]}|{fy}"


def write(
    db: Database[Document],
    user_id: str,
    fresh: Mapping[tuple[Pair, int], Document],
    gone: Sequence[tuple[Pair, int]],
    *,
    stored: Collection[tuple[Pair, int]] = (),
    empty: bool = False,
) -> None:
    """Store these (pair, FY) documents' `trades` and `sales`: replacing the `stored` ones, inserting
    the others (`empty`: nothing stored for the user; one found stored after all is replaced), and
    delete the `gone` ones, by `_id`, in bulk writes."""
    docs = [
        {
            "_id": fy_id(user_id, pair, fy),
            "userId": user_id,
            "fy": fy,
            "accountId": pair[0],
            "instrument": pair[1],
        }
        | dict(payload)
        for (pair, fy), payload in sorted(fresh.items())
    ]
    replace = {fy_id(user_id, pair, fy) for pair, fy in stored} if not empty else set()

    def upsert(doc: Document) -> ReplaceOne[Document]:
        return ReplaceOne({"_id": doc["_id"]}, doc, upsert=True)

    deletes = [DeleteOne({"_id": fy_id(user_id, pair, fy)}) for pair, fy in sorted(set(gone) - set(fresh))]
    insert_or_upsert(
        db[FY_SALES],
        inserts=[doc for doc in docs if doc["_id"] not in replace],
        others=[upsert(doc) for doc in docs if doc["_id"] in replace] + deletes,
        upsert=upsert,
    )


def of_fy(db: Database[Document], user_id: str, fy: int) -> list[Document]:
    """The user's (pair, FY) documents of FY `fy`, one query."""
    query = {"userId": user_id, "fy": fy}
    return list(db[FY_SALES].find(query, {"trades": 1, "sales": 1, "overflow": 1}).batch_size(BATCH))


def forget(db: Database[Document], user_id: str) -> None:
    db[FY_SALES].delete_many({"userId": user_id})
