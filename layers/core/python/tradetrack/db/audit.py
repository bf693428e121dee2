"""The audit log: security-relevant events, append-only."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo.database import Database

from tradetrack.observability import logger

AUDIT_LOG = "audit_log"


def record_audit(
    db: Database[dict[str, Any]],
    event: str,
    *,
    user_id: str | None,
    ip: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    doc = {
        "_id": uuid.uuid4().hex,
        "at": datetime.now(UTC),
        "event": event,
        "userId": user_id,
        "ip": ip,
        "details": details or {},
    }
    db[AUDIT_LOG].insert_one(doc)
    logger.info("audit", extra={"auditEvent": event, "userId": user_id})


def audit_events(
    db: Database[dict[str, Any]], *, user_id: str | None, limit: int = 100
) -> list[dict[str, Any]]:
    return list(db[AUDIT_LOG].find({"userId": user_id}).sort([("at", -1), ("_id", -1)]).limit(limit))


def find_audit(
    db: Database[dict[str, Any]],
    *,
    limit: int,
    user_id: str | None = None,
    events: Sequence[str] = (),
    at: Mapping[str, datetime] | None = None,
    after: tuple[datetime, str] | None = None,
) -> list[dict[str, Any]]:
    """Entries newest first (`at`, then `_id`), optionally of one user, of some events, with `at`
    within the operators given ({"$gte": ..., "$lte": ...}), after a keyset position (the last
    entry of the previous page)."""
    query: dict[str, Any] = {}
    if user_id is not None:
        query["userId"] = user_id
    if len(events) == 1:
        query["event"] = events[0]
    elif events:
        query["event"] = {"$in": list(events)}
    if at:
        query["at"] = dict(at)
    if after is not None:
        last_at, last_id = after
        query["$or"] = [{"at": {"$lt": last_at}}, {"at": last_at, "_id": {"$lt": last_id}}]
    return list(db[AUDIT_LOG].find(query).sort([("at", -1), ("_id", -1)]).limit(limit))
