"""The audit log: security-relevant events, append-only."""

from __future__ import annotations

import uuid
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
    return list(db[AUDIT_LOG].find({"userId": user_id}).sort("at", -1).limit(limit))
