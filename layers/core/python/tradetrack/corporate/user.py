"""/v1/corporate-actions: a user's own view, additions, corrections and disablings.

A change re-derives the caller's trades only (tradetrack.corporate.service).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.corporate.api_models import CorporateActionIn, CorporateActionOut, UserCorporateActions
from tradetrack.corporate.documents import USER_SOURCE, action_out, as_override, is_same, request_document
from tradetrack.corporate.service import recompute_holders
from tradetrack.corporate.terms import invalid
from tradetrack.db import corporate_actions as repository
from tradetrack.db.corporate_actions import PLATFORM, effective_actions
from tradetrack.db.executions import instruments_of_user
from tradetrack.errors import Conflict, NotFound

Document = dict[str, Any]


def list_user_actions(db: Database[Document], user_id: str) -> UserCorporateActions:
    """The actions in force on the user's instruments (platform and own, own replacing platform),
    every action of the user's own, and the platform actions they disabled."""
    docs: dict[str, Document] = {doc["_id"]: doc for doc in repository.actions_of_scope(db, user_id)}
    docs |= {doc["_id"]: doc for doc in repository.platform_actions_on(db, instruments_of_user(db, user_id))}
    in_force = effective_actions(list(docs.values()), user_id)
    disabled = sorted(
        (doc for doc in docs.values() if doc["scope"] == user_id and doc.get("disabled")),
        key=lambda doc: (doc["exDate"], doc["_id"]),
    )
    return UserCorporateActions(
        items=[action_out(d) for d in in_force], disabled=[action_out(d) for d in disabled]
    )


def create_user_action(
    db: Database[Document], cache: redis.Redis, user_id: str, request: CorporateActionIn
) -> CorporateActionOut:
    """The user's own action (an addition, or a correction of a platform one): only their trades."""
    if request.kind == "rename":
        raise invalid(
            "kind",
            "a rename changes an instrument's identity for every user: an administrator records it "
            "(POST /v1/admin/corporate-actions)",
            "admin_only",
        )
    doc = request_document(db, request, scope=user_id, source=USER_SOURCE, created_by=user_id)
    same = [
        stored for stored in repository.stored_like(db, [user_id, PLATFORM], [doc]) if is_same(stored, doc)
    ]
    own = [stored for stored in same if stored["scope"] == user_id]
    base = next((stored for stored in same if stored["scope"] == PLATFORM), None) or (own[0] if own else None)
    if base is not None:
        doc = as_override(doc, base, user_id)
    repository.delete_actions(db, [stored["_id"] for stored in own if stored["_id"] != doc["_id"]], user_id)
    repository.save_actions(db, [doc])
    recompute_holders(db, cache, [doc, *own], user_id=user_id)
    return action_out(doc)


def delete_user_action(db: Database[Document], cache: redis.Redis, user_id: str, action_id: str) -> None:
    """Remove one of the user's own actions (an addition, a correction or a disabling)."""
    doc = repository.get_action(db, action_id)
    if doc is None or doc["scope"] != user_id:
        raise NotFound("no such corporate action")
    repository.delete_action(db, action_id, user_id)
    recompute_holders(db, cache, [doc], user_id=user_id)


def disable_platform_action(
    db: Database[Document], cache: redis.Redis, user_id: str, action_id: str
) -> CorporateActionOut:
    """Stop a platform action applying to the user's trades: a document of theirs with the same
    action key and `disabled: true` (deleting it enables the action again)."""
    platform = repository.get_action(db, action_id)
    if platform is None or platform["scope"] != PLATFORM:
        raise NotFound("no such platform corporate action")
    if platform["kind"] == "rename":
        raise Conflict(
            "a rename changes the instrument's identity for every user: it cannot be disabled for one",
            details=[{"field": "actionId", "issue": "rename"}],
        )
    doc = as_override(platform, platform, user_id) | {
        "scope": user_id,
        "source": USER_SOURCE,
        "disabled": True,
        "disables": platform["_id"],
        "createdAt": datetime.now(UTC),
        "createdBy": user_id,
    }
    repository.save_actions(db, [doc])
    recompute_holders(db, cache, [platform], user_id=user_id)
    return action_out(doc)
