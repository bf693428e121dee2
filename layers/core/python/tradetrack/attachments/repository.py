"""The attachments collection and object keys: the only place their names are written.

One document per screenshot: its owner, the trade it was attached to (`anchor`: the trade's id at
the time, which names the execution that opened it, as an annotation's anchor does:
tradetrack.trade_notes), its state and its object keys. Read by `_id` and checked against the user,
or by (userId, anchor) over the `by_anchor` index (tradetrack.db.indexes)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo.database import Database

Document = dict[str, Any]
ATTACHMENTS = "attachments"
KEY_PREFIX = "attachments/"  # in the attachments bucket of TradeTrackStorage (cdk storage.py)
UPLOAD, IMAGE, THUMBNAIL = "upload", "image", "thumbnail.jpg"


def new_attachment_id() -> str:
    return f"att_{secrets.token_hex(12)}"


def new_prefix(user_id: str) -> str:
    """attachments/<userId>/<32 random bytes, URL-safe>/: per user and not guessable. The upload,
    the cleaned image and its thumbnail are fixed names under it."""
    return f"{KEY_PREFIX}{user_id}/{secrets.token_urlsafe(32)}/"


def trade_lock_key(user_id: str, trade_id: str) -> str:
    """The Redis lock that serialises adding screenshots to one trade (the limit is counted under it)."""
    return f"attachments:lock:{user_id}:{trade_id}"


def create(db: Database[Document], doc: Document) -> None:
    db[ATTACHMENTS].insert_one(doc)


def get(db: Database[Document], user_id: str, attachment_id: str) -> Document | None:
    """The user's attachment, or None (another user's is None too)."""
    doc = db[ATTACHMENTS].find_one({"_id": attachment_id})
    return doc if doc is not None and doc.get("userId") == user_id else None


def get_any(db: Database[Document], attachment_id: str) -> Document | None:
    """The attachment whoever owns it (the worker, which has the id from its own queue)."""
    return db[ATTACHMENTS].find_one({"_id": attachment_id})


def of_anchors(db: Database[Document], user_id: str, anchors: Sequence[str]) -> list[Document]:
    """The user's attachments on these anchors, oldest first."""
    if not anchors:
        return []
    query = {"userId": user_id, "anchor": {"$in": sorted(set(anchors))}}
    return list(db[ATTACHMENTS].find(query).sort([("createdAt", 1), ("_id", 1)]))


def set_state(db: Database[Document], attachment_id: str, status: str, at: datetime, **fields: Any) -> bool:
    """False when the attachment is gone (deleted meanwhile)."""
    update = {"$set": {"status": status, "updatedAt": at, **fields}}
    return db[ATTACHMENTS].update_one({"_id": attachment_id}, update).matched_count == 1


def move_anchor(db: Database[Document], user_id: str, anchor: str, to_anchor: str) -> None:
    """Every attachment of `anchor` now belongs to `to_anchor` (an orphan attached to a trade)."""
    if anchor != to_anchor:
        db[ATTACHMENTS].update_many({"userId": user_id, "anchor": anchor}, {"$set": {"anchor": to_anchor}})


def delete(db: Database[Document], attachment_ids: Sequence[str]) -> None:
    if attachment_ids:
        db[ATTACHMENTS].delete_many({"_id": {"$in": list(attachment_ids)}})
