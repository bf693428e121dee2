"""The users collection: one document per account, unique on the lower-cased email."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tradetrack.errors import Conflict
from tradetrack.models.users import NotificationPrefs, Role, UserOut
from tradetrack.money import money_str

Document = dict[str, Any]
USERS = "users"


def new_user_id() -> str:
    return f"usr_{uuid.uuid4().hex}"


def create_user(
    db: Database[Document],
    *,
    email: str,
    password_hash: str,
    name: str,
    phone: str | None,
    role: Role = "user",
) -> Document:
    now = datetime.now(UTC)
    doc: Document = {
        "_id": new_user_id(),
        "email": email,
        "emailLower": email.lower(),
        "passwordHash": password_hash,
        "name": name,
        "phone": phone,
        "role": role,
        "timezone": "Asia/Kolkata",
        "capital": None,
        "notificationPrefs": NotificationPrefs().model_dump(),
        "createdAt": now,
        "updatedAt": now,
    }
    try:
        db[USERS].insert_one(doc)
    except DuplicateKeyError:
        raise Conflict("an account with this email already exists") from None
    return doc


def find_by_email(db: Database[Document], email: str) -> Document | None:
    return db[USERS].find_one({"emailLower": email.strip().lower(), "deletedAt": None})


def get_user(db: Database[Document], user_id: str) -> Document | None:
    return db[USERS].find_one({"_id": user_id, "deletedAt": None})


def get_users(db: Database[Document], user_ids: Iterable[str]) -> dict[str, Document]:
    """get_user for several users in one query, by `_id`."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    return {doc["_id"]: doc for doc in db[USERS].find({"_id": {"$in": wanted}, "deletedAt": None})}


def update_user(db: Database[Document], user_id: str, changes: Document) -> Document | None:
    return db[USERS].find_one_and_update(
        {"_id": user_id, "deletedAt": None},
        {"$set": {**changes, "updatedAt": datetime.now(UTC)}},
        return_document=ReturnDocument.AFTER,
    )


def delete_user(db: Database[Document], user_id: str) -> bool:
    """Soft delete: the record stays for the audit trail, the email is freed, nothing else reads it."""
    now = datetime.now(UTC)
    result = db[USERS].update_one(
        {"_id": user_id, "deletedAt": None},
        {
            "$set": {
                "deletedAt": now,
                "emailLower": f"deleted:{user_id}",
                "passwordHash": "",
                "updatedAt": now,
            }
        },
    )
    return result.modified_count == 1


def list_users(db: Database[Document], *, limit: int, after_id: str | None) -> list[Document]:
    query: Document = {"deletedAt": None}
    if after_id:
        query["_id"] = {"$gt": after_id}
    return list(db[USERS].find(query).sort("_id", 1).limit(limit))


def to_user_out(doc: Document) -> UserOut:
    capital = doc.get("capital")
    return UserOut(
        user_id=doc["_id"],
        email=doc["email"],
        name=doc["name"],
        phone=doc.get("phone"),
        phone_verified=doc.get("phoneVerified") is True,
        role=doc.get("role", "user"),
        timezone=doc.get("timezone", "Asia/Kolkata"),
        capital=money_str(capital) if capital is not None else None,
        notification_prefs=NotificationPrefs.model_validate(doc.get("notificationPrefs") or {}),
    )


# --- access-token revocation marks (tradetrack.auth.revocation caches them in Redis) ---------------


def set_access_cutoff(db: Database[Document], user_id: str, cutoff: float) -> None:
    """Access tokens of this user issued before `cutoff` (epoch seconds) are invalid; never lowered.
    Deleted users too: their tokens die with them."""
    db[USERS].update_one({"_id": user_id}, {"$max": {"accessNotBefore": cutoff}})


def deny_access_token(db: Database[Document], user_id: str, jti: str, expires_at: int) -> None:
    """One access token (by jti) is invalid until it expires; expired entries are dropped first."""
    now = int(datetime.now(UTC).timestamp())
    db[USERS].update_one({"_id": user_id}, {"$pull": {"revokedAccess": {"exp": {"$lt": now}}}})
    db[USERS].update_one({"_id": user_id}, {"$push": {"revokedAccess": {"jti": jti, "exp": expires_at}}})


def access_revocations(db: Database[Document], user_id: str) -> tuple[float | None, dict[str, int]]:
    """(the cut-off, {jti: expiry} of the tokens denied one by one) of this user, deleted or not."""
    doc = db[USERS].find_one({"_id": user_id}, {"accessNotBefore": 1, "revokedAccess": 1})
    if doc is None:
        return None, {}
    cutoff = doc.get("accessNotBefore")
    denied = {str(e["jti"]): int(e["exp"]) for e in doc.get("revokedAccess") or [] if "jti" in e}
    return (float(cutoff) if cutoff is not None else None), denied
