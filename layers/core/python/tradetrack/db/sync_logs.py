"""The sync_logs collection: one document per sync of a broker account (its `_id` is the syncId)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.database import Database

from tradetrack.db.bulk import write_in_commands

Document = dict[str, Any]
SYNC_LOGS = "sync_logs"


# Counted by the trade-updates worker as it applies what a sync sent: never reset by a restart.
APPLIED = {"inserted": 0, "duplicates": 0}


def start_log(db: Database[Document], doc: Document) -> None:
    """Create the log, or restart it when SQS delivers the same sync again (same syncId); what the
    trade-updates worker has already counted for this sync is kept."""
    fields = {k: v for k, v in doc.items() if k != "_id" and k not in APPLIED}
    db[SYNC_LOGS].update_one(
        {"_id": doc["_id"]}, {"$set": fields, "$setOnInsert": dict(APPLIED)}, upsert=True
    )


def update_log(db: Database[Document], sync_id: str, fields: Mapping[str, Any]) -> None:
    db[SYNC_LOGS].update_one({"_id": sync_id}, {"$set": dict(fields)})


def count_applied(db: Database[Document], sync_id: str, *, inserted: int, duplicates: int) -> None:
    """The trade-updates worker's share: what the executions insert actually found."""
    db[SYNC_LOGS].update_one({"_id": sync_id}, {"$inc": {"inserted": inserted, "duplicates": duplicates}})


def count_applied_many(db: Database[Document], counts: Mapping[str, tuple[int, int]]) -> None:
    """count_applied for several syncs in one round trip: {syncId: (inserted, duplicates)}."""
    ops = [
        UpdateOne({"_id": sync_id}, {"$inc": {"inserted": inserted, "duplicates": duplicates}})
        for sync_id, (inserted, duplicates) in sorted(counts.items())
    ]
    if ops:
        write_in_commands(db[SYNC_LOGS], ops)


def get_log(db: Database[Document], sync_id: str) -> Document | None:
    return db[SYNC_LOGS].find_one({"_id": sync_id})


def account_logs(
    db: Database[Document], account_id: str, *, limit: int, after: tuple[datetime, str] | None
) -> list[Document]:
    """Newest first; `after` is the (startedAt, _id) of the last log of the previous page."""
    query: Document = {"accountId": account_id}
    if after is not None:
        started, log_id = after
        query["$or"] = [{"startedAt": {"$lt": started}}, {"startedAt": started, "_id": {"$lt": log_id}}]
    return list(db[SYNC_LOGS].find(query).sort([("startedAt", -1), ("_id", -1)]).limit(limit))
