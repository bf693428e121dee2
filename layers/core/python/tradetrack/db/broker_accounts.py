"""The broker_accounts collection: a user's connection to a broker and its sync state.

Reads by id use `find_one({"_id": ...})` alone and check the owner in code: FerretDB v1 pushes
only an exact `_id` filter down to its storage, and the sync pipeline reads accounts constantly.
The access token is stored only as KMS ciphertext (`tokenCiphertext`), never in clear.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, Literal

from pymongo.database import Database

Document = dict[str, Any]
BROKER_ACCOUNTS = "broker_accounts"
AccountStatus = Literal["pending", "active", "needs_login", "error"]
# What the scheduler reads of every account every five minutes.
SCHEDULING_FIELDS = {
    "_id": 1,
    "userId": 1,
    "broker": 1,
    "status": 1,
    "lastSyncAt": 1,
    "lastAttemptAt": 1,
    "failures": 1,
    "tokenExpiresAt": 1,
}


def new_account_id() -> str:
    return f"ba_{secrets.token_hex(12)}"


def insert_account(db: Database[Document], doc: Document) -> None:
    db[BROKER_ACCOUNTS].insert_one(doc)


def get_account(db: Database[Document], account_id: str, *, user_id: str | None = None) -> Document | None:
    """The account, or None when missing (or, with `user_id`, another user's)."""
    doc = db[BROKER_ACCOUNTS].find_one({"_id": account_id})
    if doc is None or (user_id is not None and doc.get("userId") != user_id):
        return None
    return doc


def user_accounts(db: Database[Document], user_id: str) -> list[Document]:
    return list(db[BROKER_ACCOUNTS].find({"userId": user_id}).sort([("createdAt", 1), ("_id", 1)]))


def set_fields(
    db: Database[Document], account_id: str, fields: Mapping[str, Any], *, unset: tuple[str, ...] = ()
) -> bool:
    update: Document = {"$set": dict(fields)}
    if unset:
        update["$unset"] = dict.fromkeys(unset, "")
    return db[BROKER_ACCOUNTS].update_one({"_id": account_id}, update).matched_count == 1


def record_failed_sync(db: Database[Document], account_id: str, message: str, now: datetime) -> None:
    """A failed sync on the account: its error and time, and one more failure in a row (the
    scheduler's backoff; a success sets `failures` back to 0)."""
    db[BROKER_ACCOUNTS].update_one(
        {"_id": account_id},
        {
            "$set": {"lastSyncStatus": "failed", "lastError": message, "lastAttemptAt": now},
            "$inc": {"failures": 1},
        },
    )


def delete_account(db: Database[Document], account_id: str) -> bool:
    return db[BROKER_ACCOUNTS].delete_one({"_id": account_id}).deleted_count == 1


def syncable_accounts(db: Database[Document], *, batch_size: int = 5_000) -> Iterator[Document]:
    """Every active account, with just the scheduling fields."""
    cursor = db[BROKER_ACCOUNTS].find({"status": "active"}, SCHEDULING_FIELDS, batch_size=batch_size)
    yield from cursor
