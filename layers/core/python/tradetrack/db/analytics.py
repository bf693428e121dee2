"""What analytics read and write in Mongo: the user's trades (one read per computation) and the
snapshot of the last summary in the analytics collection (one document per user, _id = userId).

FerretDB v1 pushes down only exact `_id` filters, so the trades are read once with a projection
and everything else is computed in Python; no aggregation pipeline is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo.database import Database

from tradetrack.db.trades import TRADES

Document = dict[str, Any]
ANALYTICS = "analytics"


def user_trades(db: Database[Document], user_id: str, fields: Sequence[str]) -> list[Document]:
    return list(db[TRADES].find({"userId": user_id}, dict.fromkeys(fields, 1)))


def save_summary_snapshot(
    db: Database[Document], user_id: str, summary: Document, *, params: Document, version: int, at: datetime
) -> None:
    snapshot = {"userId": user_id, "summary": summary, "params": params, "version": version, "savedAt": at}
    db[ANALYTICS].replace_one({"_id": user_id}, snapshot, upsert=True)


def summary_snapshot(db: Database[Document], user_id: str) -> Document | None:
    return db[ANALYTICS].find_one({"_id": user_id})
