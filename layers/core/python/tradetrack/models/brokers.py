"""The brokers API's payloads (API.md, "Brokers")."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tradetrack.brokers.names import BrokerName, LoginKind

AccountStatus = Literal["pending", "active", "needs_login", "error"]


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class BrokerCapabilities(_Model):
    sync: bool = True
    historical_trades: bool = Field(alias="historicalTrades")
    exact_charges: bool = Field(alias="exactCharges")
    positions: bool = True
    holdings: bool = True
    orders: bool = True


class BrokerInfo(_Model):
    broker: BrokerName
    name: str
    login_expires: str = Field(alias="loginExpires")  # when the broker's access token lapses
    # oauth_redirect: the broker's login page and back; api_login, session_token: see docs/brokers.md
    login: LoginKind = "oauth_redirect"
    capabilities: BrokerCapabilities


class BrokerList(_Model):
    items: list[BrokerInfo]


_ParamName = Annotated[str, Field(min_length=1, max_length=64)]
_ParamValue = Annotated[str, Field(max_length=4096)]


class ConnectRequest(_Model):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    broker: BrokerName
    # Reconnect an account whose login lapsed (status needs_login) instead of adding another.
    account_id: str | None = Field(None, alias="accountId", min_length=1, max_length=64)


class FinishLoginRequest(_Model):
    """Finish the login of `accountId` instead of starting one, for a broker whose login page sends
    no state back (ICICI Breeze: {"apisession": ...}): what it returned, sent by the signed-in owner.
    Its own schema (not optional fields of ConnectRequest), so OpenAPI says `params` needs `accountId`."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    broker: BrokerName
    account_id: str = Field(alias="accountId", min_length=1, max_length=64)
    params: dict[_ParamName, _ParamValue] = Field(min_length=1, max_length=16)


class ConnectOut(_Model):
    account_id: str = Field(alias="accountId")
    login_url: str = Field(alias="loginUrl")
    state_expires_in: int = Field(alias="stateExpiresIn")  # seconds the login link stays valid


class BrokerAccountOut(_Model):
    account_id: str = Field(alias="accountId")
    broker: BrokerName
    broker_user_id: str | None = Field(alias="brokerUserId")
    status: AccountStatus
    last_sync_at: str | None = Field(alias="lastSyncAt")
    last_sync_status: str | None = Field(None, alias="lastSyncStatus")
    last_error: str | None = Field(None, alias="lastError")
    token_expires_at: str | None = Field(alias="tokenExpiresAt")
    created_at: str = Field(alias="createdAt")
    backfill: dict[str, Any] | None = None  # first-connect history: done, or import_required (Zerodha)


class BrokerAccountList(_Model):
    items: list[BrokerAccountOut]
    next_cursor: str | None = Field(None, alias="nextCursor")


class SyncAccepted(_Model):
    sync_id: str = Field(alias="syncId")


class Reconciliation(_Model):
    matched: int
    mismatches: list[dict[str, Any]]


class SyncLogOut(_Model):
    sync_id: str = Field(alias="syncId")
    reason: str | None = None
    started_at: str = Field(alias="startedAt")
    finished_at: str | None = Field(alias="finishedAt")
    status: Literal["queued", "running", "success", "failed", "needs_login", "skipped"]
    fetched: int = 0
    sent: int = 0
    inserted: int = 0
    duplicates: int = 0
    orders: dict[str, int] | None = None
    rejected_fills: list[dict[str, Any]] = Field(default_factory=list, alias="rejectedFills")
    reconciliation: Reconciliation | None = None
    holdings: dict[str, Any] | None = Field(
        None,
        description="first sync: the broker's holdings stored as opening lots ({status, lots, skipped})",
    )
    holdings_snapshot: dict[str, Any] | None = Field(
        None,
        alias="holdingsSnapshot",
        description="the holdings this sync stored for GET /v1/holdings ({status: stored, count}), "
        "or why not ({status: failed, reason}: the previous snapshot stays)",
    )
    error: str | None = None


class SyncLogPage(_Model):
    items: list[SyncLogOut]
    next_cursor: str | None = Field(alias="nextCursor")
