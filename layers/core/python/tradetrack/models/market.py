"""Market status, quotes and price alerts (API.md, "Market data and alerts")."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from tradetrack.market.symbols import EXCHANGES, normalize_symbol

AlertCondition = Literal["above", "below", "pct_change_above", "pct_change_below"]
Channel = Literal["email", "sms", "push"]
AlertStatus = Literal["active", "triggered"]

_DECIMAL = r"^-?\d{1,12}(\.\d{1,4})?$"


def _symbol(value: str) -> str:
    symbol = normalize_symbol(value)
    if symbol is None:
        raise ValueError("not a symbol of the form EXCHANGE:SYMBOL (e.g. NSE:INFY)")
    return symbol


def _decimal(value: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:  # the pattern already rules this out
        raise ValueError("not a decimal number") from None


def _unique(channels: list[Channel]) -> list[Channel]:
    return list(dict.fromkeys(channels))


def _default_channels() -> list[Channel]:
    return ["push"]


# What normalize_symbol accepts (trimmed, upper-cased, then EXCHANGE:SYMBOL), for the OpenAPI schema.
SYMBOL_PATTERN = r"^\s*(?:" + "|".join(EXCHANGES) + r"):[A-Za-z0-9][A-Za-z0-9 &_.\-]{0,39}\s*$"
Symbol = Annotated[
    str,
    StringConstraints(max_length=64),
    AfterValidator(_symbol),
    Field(json_schema_extra={"pattern": SYMBOL_PATTERN}),
]
DecimalText = Annotated[str, StringConstraints(pattern=_DECIMAL), AfterValidator(_decimal)]


class MarketStatusOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    exchange: Literal["NSE"] = "NSE"
    status: Literal["open", "closed", "pre_open"]
    next_open: str = Field(alias="nextOpen")  # ISO 8601, +05:30
    next_close: str = Field(alias="nextClose")
    holiday: str | None = None


class CreateAlertRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    symbol: Symbol
    condition: AlertCondition
    value: DecimalText = Field(description='A decimal string: a price ("1550.5") or a percent ("-2.5")')
    channels: Annotated[list[Channel], AfterValidator(_unique)] = Field(
        default_factory=_default_channels, min_length=1, max_length=3
    )
    repeat: bool = False


class AlertOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    alert_id: str = Field(alias="alertId")
    symbol: str
    condition: AlertCondition
    value: str
    channels: list[Channel]
    repeat: bool
    status: AlertStatus
    created_at: str = Field(alias="createdAt")
    triggered_at: str | None = Field(None, alias="triggeredAt")  # the last time it fired
    trigger_count: int = Field(0, alias="triggerCount")


class AlertPage(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    items: list[AlertOut]
    next_cursor: str | None = Field(alias="nextCursor")
