"""Reading the audit log: every entry for administrators, a user's own security events for them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.database import Database

from tradetrack.db.audit import find_audit
from tradetrack.errors import SemanticError
from tradetrack.models.security import SECURITY_EVENTS, AuditEntry, AuditPage
from tradetrack.pagination import decode_time_cursor, encode_time_cursor

Document = dict[str, Any]


def _range(since: datetime | None, until: datetime | None) -> None:
    if since is not None and until is not None and since >= until:
        raise SemanticError("from must be before to", details=[{"field": "from"}])


def _page(docs: list[Document], limit: int) -> AuditPage:
    more = len(docs) > limit
    docs = docs[:limit]
    next_cursor = encode_time_cursor(docs[-1]["at"], docs[-1]["_id"]) if more and docs else None
    items = [
        AuditEntry(
            event_id=d["_id"],
            at=d["at"],
            event=d["event"],
            user_id=d.get("userId"),
            ip=d.get("ip"),
            details=d.get("details") or {},
        )
        for d in docs
    ]
    return AuditPage(items=items, next_cursor=next_cursor)


def admin_audit(
    db: Database[Document],
    *,
    limit: int,
    cursor: str | None,
    user_id: str | None,
    event: str | None,
    since: datetime | None,
    until: datetime | None,
) -> AuditPage:
    """Every entry, newest first, filtered by user, event type and time range [since, until)."""
    _range(since, until)
    docs = find_audit(
        db,
        limit=limit + 1,
        user_id=user_id,
        events=(event,) if event else (),
        since=since,
        until=until,
        after=decode_time_cursor(cursor),
    )
    return _page(docs, limit)


def security_events(
    db: Database[Document],
    user_id: str,
    *,
    limit: int,
    cursor: str | None,
    since: datetime | None,
    until: datetime | None,
) -> AuditPage:
    """The user's own security events (logins, failed logins, refresh-token reuse, password changes,
    logouts, role changes, broker connections), newest first."""
    _range(since, until)
    docs = find_audit(
        db,
        limit=limit + 1,
        user_id=user_id,
        events=SECURITY_EVENTS,
        since=since,
        until=until,
        after=decode_time_cursor(cursor),
    )
    return _page(docs, limit)
