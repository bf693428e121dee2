"""The deliveries collection: which expired stock derivatives delivered shares into which equity
instrument of a user's account, so that recomputing the shares also reads the contracts that
delivered them (tradetrack.deliveries). Written by `_id`; read by the (userId, equity) index."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from pymongo import UpdateOne
from pymongo.database import Database

from tradetrack.db.bulk import write_in_commands

Document = dict[str, Any]
DELIVERIES = "deliveries"


def contracts_delivering(
    db: Database[Document], user_id: str, equities: Collection[str]
) -> set[tuple[str, str]]:
    """(accountId, contract) of every recorded delivery into these equity instruments."""
    if not equities:
        return set()
    query = {"userId": user_id, "equity": {"$in": sorted(equities)}}
    return {
        (doc["accountId"], doc["contract"])
        for doc in db[DELIVERIES].find(query, {"accountId": 1, "contract": 1})
    }


def record_deliveries(db: Database[Document], user_id: str, links: Iterable[tuple[str, str, str]]) -> None:
    """Remember (accountId, contract, equity) links (idempotent)."""
    ops = [
        UpdateOne(
            {"_id": f"{user_id}|{account}|{contract}"},
            {"$set": {"userId": user_id, "accountId": account, "contract": contract, "equity": equity}},
            upsert=True,
        )
        for account, contract, equity in sorted(set(links))
    ]
    if ops:
        write_in_commands(db[DELIVERIES], ops)
