"""Account state changes the pipeline makes: needs_login on an expired or refused token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.database import Database

from tradetrack.db import broker_accounts
from tradetrack.notify.events import NeedsLogin

Document = dict[str, Any]


def mark_needs_login(db: Database[Document], account: Document, *, now: datetime, reason: str) -> NeedsLogin:
    """Set the account to needs_login and return the "reconnect" event for it. The event id is stable
    per token, so the scheduler and the worker noticing the same expiry notify the user once."""
    broker_accounts.set_fields(
        db, account["_id"], {"status": "needs_login", "lastError": reason, "needsLoginSince": now}
    )
    expires = account.get("tokenExpiresAt")
    stamp = expires.isoformat() if isinstance(expires, datetime) else "unknown"
    return NeedsLogin(
        type="needs_login",
        event_id=f"needs_login:{account['_id']}:{stamp}",
        user_id=account["userId"],
        account_id=account["_id"],
        broker=account["broker"],
    )
