"""The holdings collection: each broker account's holdings as its latest sync read them.

One document per account (`_id` is the accountId): {userId, accountId, broker, syncId, asOf,
items: [{symbol, exchange, isin, product, quantity, t1Quantity, collateralQuantity, averagePrice,
invested, lastPrice, closePrice}]}, money as integers scaled by 10^4 (`invested` from the broker's
exact average, which may have more than 4 decimals). A sync replaces the whole document
in one write, so a reader sees one sync's snapshot or the next, never a mix or an empty gap.
"""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

Document = dict[str, Any]
HOLDINGS = "holdings"


def replace_snapshot(db: Database[Document], doc: Document) -> None:
    """Store an account's snapshot (`_id` = accountId) in place of the previous one."""
    db[HOLDINGS].replace_one({"_id": doc["_id"]}, doc, upsert=True)


def user_snapshots(db: Database[Document], user_id: str, *, account_id: str | None) -> list[Document]:
    """A user's snapshots (one per account), in account order."""
    query: Document = {"userId": user_id}
    if account_id is not None:
        query["_id"] = account_id
    return list(db[HOLDINGS].find(query).sort("_id", 1))


def delete_snapshot(db: Database[Document], account_id: str) -> None:
    """The account is disconnected: its holdings are no longer known."""
    db[HOLDINGS].delete_one({"_id": account_id})
