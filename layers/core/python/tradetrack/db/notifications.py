"""The notifications collection: the in-app inbox, one document per (user, event).

The _id is derived from the event's key, so an event delivered twice inserts once (a duplicate
key means another delivery already recorded it): the one exactly-once step FerretDB v1 offers.
Reads by id filter on _id alone (the only filter FerretDB v1 pushes down) and check the owner here.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from tradetrack.db.bulk import write_in_commands

Document = dict[str, Any]
NOTIFICATIONS = "notifications"
_DUPLICATE_KEY = 11000


def notification_id(event_key: str) -> str:
    return f"ntf_{hashlib.sha256(event_key.encode('utf-8')).hexdigest()[:32]}"


def insert_once(db: Database[Document], doc: Document) -> bool:
    """True when this call recorded it; False when it was already there."""
    try:
        db[NOTIFICATIONS].insert_one(doc)
    except DuplicateKeyError:
        return False
    return True


def insert_many_once(db: Database[Document], docs: list[Document]) -> dict[str, str | None]:
    """insert_once for many in one round trip (unordered). Returns those not inserted, by `_id`:
    None for one that was there already, else the error (the caller retries it)."""
    if not docs:
        return {}
    try:
        db[NOTIFICATIONS].insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if not errors:
            raise
        return {
            str(docs[int(e["index"])]["_id"]): None
            if e.get("code") == _DUPLICATE_KEY
            else f"{e.get('code')}: {e.get('errmsg', '')}"
            for e in errors
        }
    return {}


def set_deliveries_many(db: Database[Document], deliveries: dict[str, Document]) -> None:
    """set_deliveries for many notifications in one round trip: {_id: deliveries}."""
    ops = [UpdateOne({"_id": nid}, {"$set": {"deliveries": d}}) for nid, d in sorted(deliveries.items())]
    if ops:
        write_in_commands(db[NOTIFICATIONS], ops)


def set_deliveries(db: Database[Document], notification: str, deliveries: Document) -> None:
    db[NOTIFICATIONS].update_one({"_id": notification}, {"$set": {"deliveries": deliveries}})


def get_owned(db: Database[Document], user_id: str, notification: str) -> Document | None:
    doc = db[NOTIFICATIONS].find_one({"_id": notification})
    return doc if doc is not None and doc.get("userId") == user_id else None


def mark_read(db: Database[Document], notification: str, at: datetime) -> None:
    db[NOTIFICATIONS].update_one({"_id": notification}, {"$set": {"readAt": at}})


def find_for_user(
    db: Database[Document],
    user_id: str,
    *,
    unread_only: bool,
    limit: int,
    after: tuple[datetime, str] | None,
) -> list[Document]:
    """Newest first; `after` is the (createdAt, _id) of the last item of the previous page."""
    query: Document = {"userId": user_id}
    if unread_only:
        query["readAt"] = None
    if after is not None:
        created, last_id = after
        query["$or"] = [{"createdAt": {"$lt": created}}, {"createdAt": created, "_id": {"$lt": last_id}}]
    return list(db[NOTIFICATIONS].find(query).sort([("createdAt", -1), ("_id", -1)]).limit(limit))
