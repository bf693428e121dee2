"""Password change and the audit log's read models (docs/security.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tradetrack.auth.passwords import MAX_LENGTH

_STRICT = ConfigDict(extra="forbid", str_max_length=4096, populate_by_name=True)

# The audit log's events a user sees of their own (tradetrack.db.audit writes them, and others).
SECURITY_EVENTS: tuple[str, ...] = (
    "login_succeeded",
    "login_failed",
    "refresh_token_reused",
    "logout",
    "logout_all",
    "password_changed",
    "password_change_failed",
    "role_changed",
    "broker_connected",
)


class ChangePasswordRequest(BaseModel):
    """The new password is checked by the same rules as at registration (400 naming the rule)."""

    model_config = _STRICT
    current_password: Annotated[str, StringConstraints(max_length=MAX_LENGTH)] = Field(
        alias="currentPassword"
    )
    new_password: Annotated[str, StringConstraints(max_length=MAX_LENGTH)] = Field(alias="newPassword")


class AuditEntry(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    event_id: str = Field(alias="eventId")
    at: datetime
    event: str
    user_id: str | None = Field(None, alias="userId")
    ip: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class AuditPage(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    items: list[AuditEntry]
    next_cursor: str | None = Field(alias="nextCursor")
