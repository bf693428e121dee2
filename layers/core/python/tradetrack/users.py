"""The logic behind /v1/me and /v1/admin/users."""

from __future__ import annotations

from typing import Any

import redis
from pymongo.database import Database

from tradetrack.auth import refresh_tokens
from tradetrack.auth.revocation import revoke_access_before_now
from tradetrack.db import users
from tradetrack.db.audit import record_audit
from tradetrack.errors import NotFound, SemanticError, Unauthenticated
from tradetrack.models.users import PatchMeRequest, Role, UserOut, UserPage
from tradetrack.money import to_scaled
from tradetrack.pagination import decode_cursor, encode_cursor

Document = dict[str, Any]


def get_me(db: Database[Document], user_id: str) -> UserOut:
    doc = users.get_user(db, user_id)
    if doc is None:  # deleted after the token was issued
        raise Unauthenticated("this account no longer exists")
    return users.to_user_out(doc)


# Profile fields every user has: PATCH may change them, not set them to null (API name by field).
_REQUIRED = {"name": "name", "timezone": "timezone"}


def patch_me(db: Database[Document], user_id: str, request: PatchMeRequest) -> UserOut:
    changes: Document = {}
    for field, value in request.model_dump(exclude_unset=True).items():
        if field == "capital":
            changes["capital"] = to_scaled(value) if value is not None else None
        elif field == "notification_prefs":
            changes["notificationPrefs"] = value
        elif value is None and field in _REQUIRED:  # stored null would break every later GET /v1/me
            raise SemanticError(
                f"{_REQUIRED[field]} cannot be removed", details=[{"field": _REQUIRED[field]}]
            )
        else:
            changes[field] = value
    if "phone" in changes:
        current = users.get_user(db, user_id)
        if current is not None and current.get("phone") != changes["phone"]:
            changes["phoneVerified"] = False  # SMS goes only to a verified number: a new one is not yet
    doc = users.update_user(db, user_id, changes) if changes else users.get_user(db, user_id)
    if doc is None:
        raise Unauthenticated("this account no longer exists")
    return users.to_user_out(doc)


def admin_list_users(db: Database[Document], *, limit: int, cursor: str | None) -> UserPage:
    position = decode_cursor(cursor)
    after = str(position["after"]) if position and "after" in position else None
    docs = users.list_users(db, limit=limit + 1, after_id=after)
    more = len(docs) > limit
    docs = docs[:limit]
    next_cursor = encode_cursor({"after": docs[-1]["_id"]}) if more and docs else None
    return UserPage(items=[users.to_user_out(d) for d in docs], next_cursor=next_cursor)


def change_role(
    db: Database[Document], cache: redis.Redis, admin_id: str, user_id: str, role: Role
) -> UserOut:
    before = users.get_user(db, user_id)
    if before is None:
        raise NotFound("no such user")
    if user_id == admin_id and role != "admin":
        raise SemanticError("administrators cannot remove their own role")
    doc = users.update_user(db, user_id, {"role": role})
    if doc is None:
        raise NotFound("no such user")
    if before.get("role") != role:
        revoke_access_before_now(db, cache, user_id)  # tokens carry the role: old ones must go
        record_audit(
            db,
            "role_changed",
            user_id=user_id,
            details={"by": admin_id, "from": before.get("role"), "to": role},
        )
    return users.to_user_out(doc)


def admin_delete_user(db: Database[Document], cache: redis.Redis, admin_id: str, user_id: str) -> None:
    if user_id == admin_id:
        raise SemanticError("administrators cannot delete their own account here")
    if not users.delete_user(db, user_id):
        raise NotFound("no such user")
    refresh_tokens.revoke_all(cache, user_id)
    revoke_access_before_now(db, cache, user_id, deleted=True)
    record_audit(db, "user_deleted", user_id=user_id, details={"by": admin_id})
