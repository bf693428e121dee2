"""Users and the auth API's payloads (API.md, "Auth and user")."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from tradetrack.auth.passwords import MAX_LENGTH, password_problem

Role = Literal["user", "admin"]

_EMAIL = re.compile(r"^[^@\s\x00-\x1f]{1,64}@[^@\s\x00-\x1f]+\.[^@\s\x00-\x1f.]{2,}$")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def _email(value: str) -> str:
    value = value.strip()
    if not _EMAIL.match(value):
        raise ValueError("not a valid email address")
    return value


def _password(value: str) -> str:
    problem = password_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _timezone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


Email = Annotated[str, StringConstraints(max_length=254), AfterValidator(_email)]
Password = Annotated[str, StringConstraints(max_length=MAX_LENGTH), AfterValidator(_password)]
Phone = Annotated[str, StringConstraints(pattern=_E164.pattern)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
TimeZone = Annotated[str, StringConstraints(max_length=64), AfterValidator(_timezone)]
Capital = Annotated[Decimal, Field(ge=0, le=Decimal("1e12"), max_digits=16, decimal_places=4)]

_STRICT = ConfigDict(extra="forbid", str_max_length=4096)


class NotificationPrefs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: bool = True
    sms: bool = False
    push: bool = True
    types: dict[
        Literal[
            "trade_confirmation",
            "price_alert",
            "sync_failed",
            "needs_login",
            "daily_summary",
            "report_ready",
            "risk_violation",
            "paper_order",
            "paper_order_progress",  # a paper order placed or partly filled kept too (default: pushed only)
        ],
        bool,
    ] = Field(default_factory=dict)


class RegisterRequest(BaseModel):
    model_config = _STRICT
    email: Email
    password: Password
    name: Name
    phone: Phone | None = None


class LoginRequest(BaseModel):
    model_config = _STRICT
    email: Annotated[str, StringConstraints(max_length=254)]
    password: Annotated[str, StringConstraints(max_length=MAX_LENGTH)]


class RefreshRequest(BaseModel):
    model_config = _STRICT
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=256)] = Field(
        alias="refreshToken"
    )


class TokenPair(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    access_token: str = Field(alias="accessToken")
    # None only while the refresh-token store (Redis) is away: log in again when the access token expires.
    refresh_token: str | None = Field(alias="refreshToken")
    token_type: Literal["Bearer"] = Field("Bearer", alias="tokenType")
    expires_in: int = Field(900, alias="expiresIn")


class UserOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    user_id: str = Field(alias="userId")
    email: str
    name: str
    phone: str | None = None
    # True once the number was proven by a code (POST /v1/me/phone/verify): SMS goes only then.
    phone_verified: bool = Field(False, alias="phoneVerified")
    role: Role = "user"
    timezone: str = "Asia/Kolkata"
    capital: str | None = None  # INR as a decimal string
    notification_prefs: NotificationPrefs = Field(
        default_factory=NotificationPrefs, alias="notificationPrefs"
    )


class PatchMeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    name: Name | None = None
    phone: Phone | None = None
    timezone: TimeZone | None = None
    capital: Capital | None = None
    notification_prefs: NotificationPrefs | None = Field(None, alias="notificationPrefs")


class RoleChange(BaseModel):
    model_config = _STRICT
    role: Role


class UserPage(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    items: list[UserOut]
    next_cursor: str | None = Field(alias="nextCursor")
