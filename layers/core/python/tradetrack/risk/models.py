"""Risk's API bodies and answers (money as decimal strings, like the rest of the API)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tradetrack.models.executions import MAX_QUANTITY, Exchange
from tradetrack.risk.rules import Rule

# Money in: a decimal string of at most 4 places (a JSON number is refused: it may not be exact);
# zero is refused by the service (422), as a rule the pattern does not state.
LimitMoney = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{1,12}(\.[0-9]{1,4})?$"),
    Field(description="INR, a decimal string (up to 999999999999.9999); more than zero"),
]
Instrument = Annotated[
    str,
    StringConstraints(pattern=r"^(NSE|BSE|NFO|BFO|CDS|BCD|MCX):[A-Z0-9&_.\-]{1,40}$"),
    Field(description="EXCHANGE:SYMBOL, upper case (NSE:INFY)"),
]
Scope = Literal["user", "account"]


class LimitsIn(BaseModel):
    """A scope's limits, replacing what it had. A field absent or null: no limit of the user's own,
    or, on an account, the user's limit applies (account limits override field by field)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    max_loss_per_day: LimitMoney | None = Field(
        None, alias="maxLossPerDay", description="day P&L (realised + unrealised) may fall to −this"
    )
    max_order_value: LimitMoney | None = Field(None, alias="maxOrderValue")
    max_position_value: LimitMoney | None = Field(
        None, alias="maxPositionValue", description="per instrument, at the last quote"
    )
    max_open_positions: Annotated[int, Field(ge=1, le=10_000)] | None = Field(None, alias="maxOpenPositions")
    max_quantity_per_order: Annotated[int, Field(ge=1, le=MAX_QUANTITY)] | None = Field(
        None, alias="maxQuantityPerOrder"
    )
    allowed_exchanges: Annotated[list[Exchange], Field(max_length=7)] | None = Field(
        None, alias="allowedExchanges", description="segments an order may be on; null: any"
    )
    allowed_instruments: Annotated[list[Instrument], Field(max_length=500)] | None = Field(
        None, alias="allowedInstruments", description="instruments an order may be on; null: any"
    )


class LimitsOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    scope: Scope | Literal["effective"]
    account_id: str | None = Field(None, alias="accountId")
    max_loss_per_day: str | None = Field(None, alias="maxLossPerDay")
    max_order_value: str | None = Field(None, alias="maxOrderValue")
    max_position_value: str | None = Field(None, alias="maxPositionValue")
    max_open_positions: int | None = Field(None, alias="maxOpenPositions")
    max_quantity_per_order: int | None = Field(None, alias="maxQuantityPerOrder")
    allowed_exchanges: list[str] | None = Field(None, alias="allowedExchanges")
    allowed_instruments: list[str] | None = Field(None, alias="allowedInstruments")
    updated_at: datetime | None = Field(None, alias="updatedAt", description="null: never set")


class AccountLimitsOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    account_id: str = Field(alias="accountId")
    account: LimitsOut = Field(description="the account's own limits")
    user: LimitsOut = Field(description="the user's limits, which apply where the account sets none")
    effective: LimitsOut = Field(description="what the checks and the monitor use")


class ViolationOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    violation_id: str = Field(alias="violationId")
    account_id: str = Field(alias="accountId")
    rule: Rule
    day: date = Field(description="IST trading day: one violation per rule, account and day")
    message: str
    value: str | None = Field(None, description="what was measured: INR, or a count of positions")
    limit: str | None = None
    day_pnl: str = Field(alias="dayPnl", description="realised today + unrealised, at detection")
    exposure: str = Field(description="gross value of the open positions, at detection")
    squared_off: bool = Field(alias="squaredOff", description="paper account squared off on it")
    created_at: datetime = Field(alias="createdAt")


class ViolationPage(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    items: list[ViolationOut]
    next_cursor: str | None = Field(None, alias="nextCursor")
