"""The alerts collection: one document per price alert; firing is a single-document atomic update."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo import DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

Document = dict[str, Any]
ALERTS = "alerts"
FIRINGS = "alert_firings"  # one document per firing: _id "{alertId}#{n}"


def new_alert_id() -> str:
    """Time-ordered ids ("alr_" + ms timestamp + random), so _id order is creation order."""
    return f"alr_{int(time.time() * 1000):012x}{os.urandom(6).hex()}"


def insert_alert(db: Database[Document], doc: Document) -> Document:
    db[ALERTS].insert_one(doc)
    return doc


def count_alerts(db: Database[Document], user_id: str) -> int:
    return db[ALERTS].count_documents({"userId": user_id})


def list_alerts(
    db: Database[Document], user_id: str, *, limit: int, before_id: str | None, status: str | None
) -> list[Document]:
    query: Document = {"userId": user_id}
    if status:
        query["status"] = status
    if before_id:
        query["_id"] = {"$lt": before_id}
    return list(db[ALERTS].find(query).sort("_id", DESCENDING).limit(limit))


def delete_alert(db: Database[Document], user_id: str, alert_id: str) -> bool:
    """Deleted alerts never fire: a tick that loaded it before finds nothing to update."""
    return db[ALERTS].delete_one({"_id": alert_id, "userId": user_id}).deleted_count == 1


def active_symbols(db: Database[Document]) -> set[str]:
    return {str(s) for s in db[ALERTS].distinct("symbol", {"status": "active"})}


def active_alerts(db: Database[Document], symbols: Iterable[str]) -> list[Document]:
    wanted = sorted(set(symbols))
    if not wanted:
        return []
    return list(db[ALERTS].find({"status": "active", "symbol": {"$in": wanted}}))


def _claim(db: Database[Document], doc: Document, at: datetime) -> bool:
    """Record firing number triggerCount + 1 of this alert; the unique _id lets one claimant in.

    MongoDB's update_one alone is atomic, but FerretDB v1 applies an update as read-then-write,
    so two racing filters can both match (measured: two winners out of eight). The insert into a
    unique _id is atomic on every backend, so it decides; the update then records the state.
    """
    generation = int(doc.get("triggerCount") or 0) + 1
    try:
        db[FIRINGS].insert_one(
            {"_id": f"{doc['_id']}#{generation}", "alertId": doc["_id"], "userId": doc["userId"], "at": at}
        )
    except DuplicateKeyError:
        return False
    return True


def fire_once(db: Database[Document], doc: Document, at: datetime) -> bool:
    """active → triggered: True for exactly one caller, however many race (deleted: nobody)."""
    if not _claim(db, doc, at):
        return False
    result = db[ALERTS].update_one(
        {"_id": doc["_id"], "status": "active", "armed": True},
        {"$set": {"status": "triggered", "armed": False, "triggeredAt": at}, "$inc": {"triggerCount": 1}},
    )
    return result.modified_count == 1


def fire_repeating(db: Database[Document], doc: Document, at: datetime) -> bool:
    """A repeating alert fires and disarms until the price is back on the other side of its level."""
    if not _claim(db, doc, at):
        return False
    result = db[ALERTS].update_one(
        {"_id": doc["_id"], "status": "active", "armed": True},
        {"$set": {"armed": False, "triggeredAt": at}, "$inc": {"triggerCount": 1}},
    )
    return result.modified_count == 1


def rearm(db: Database[Document], alert_id: str) -> bool:
    result = db[ALERTS].update_one(
        {"_id": alert_id, "status": "active", "armed": False, "repeat": True}, {"$set": {"armed": True}}
    )
    return result.modified_count == 1
