"""Reading the audit log: every entry for administrators, a user's own security events for them."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from tradetrack.db.audit import find_audit
from tradetrack.models.security import SECURITY_EVENTS, AuditEntry, AuditPage
from tradetrack.queries import aware, decode_position, encode_position, time_range

Document = dict[str, Any]
_CURSOR_KIND = "audit"


def _page(docs: list[Document], limit: int) -> AuditPage:
    more = len(docs) > limit
    docs = docs[:limit]
    last = docs[-1] if more and docs else None
    next_cursor = encode_position(_CURSOR_KIND, last["at"], last["_id"]) if last else None
    items = [
        AuditEntry(
            event_id=d["_id"],
            at=aware(d["at"]),
            event=d["event"],
            user_id=d.get("userId"),
            ip=d.get("ip"),
            details=d.get("details") or {},
        )
        for d in docs
    ]
    return AuditPage(items=items, next_cursor=next_cursor)


def _read(
    db: Database[Document],
    *,
    limit: int,
    cursor: str | None,
    user_id: str | None,
    events: tuple[str, ...],
    start: str | None,
    end: str | None,
) -> AuditPage:
    """?from=&to= as every list of the API reads them (tradetrack.queries.time_range: inclusive, a
    date is a whole IST day, from after to is a 422); keyset pages newest first."""
    at = time_range("at", start, end).get("at", {})
    after = decode_position(_CURSOR_KIND, cursor)
    docs = find_audit(db, limit=limit + 1, user_id=user_id, events=events, at=at, after=after)
    return _page(docs, limit)


def admin_audit(
    db: Database[Document],
    *,
    limit: int,
    cursor: str | None,
    user_id: str | None,
    event: str | None,
    start: str | None,
    end: str | None,
) -> AuditPage:
    """Every entry, newest first, filtered by user, event type and time range."""
    events = (event,) if event else ()
    return _read(db, limit=limit, cursor=cursor, user_id=user_id, events=events, start=start, end=end)


def security_events(
    db: Database[Document],
    user_id: str,
    *,
    limit: int,
    cursor: str | None,
    start: str | None,
    end: str | None,
) -> AuditPage:
    """The user's own security events (logins, failed logins, refresh-token reuse, password changes,
    logouts, role changes, broker connections), newest first."""
    return _read(
        db, limit=limit, cursor=cursor, user_id=user_id, events=SECURITY_EVENTS, start=start, end=end
    )
