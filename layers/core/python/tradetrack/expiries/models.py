"""/v1/settlements bodies and answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints


def _upper(value: Any) -> Any:
    """`nifty` is NIFTY: underlyings are upper-case in every instrument key, as fills' symbols are."""
    return value.strip().upper() if isinstance(value, str) else value


# The underlying as contract symbols spell it (tradetrack.instruments.derivatives): NIFTY, M&M,
# BAJAJ-AUTO, NIFTYNXT50; any case is accepted (and stored upper-case).
UNDERLYING_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9&\-_.]*$"
Underlying = Annotated[
    Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=UNDERLYING_PATTERN)],
    BeforeValidator(_upper),
]
SettlementExchange = Literal["NFO", "BFO", "CDS", "BCD"]
MAX_PRICE = Decimal("100000000")


class SettlementIn(BaseModel):
    """The underlying's final settlement price on an expiry day (for an index, its closing value;
    for a stock, its closing price): futures settle at it, options at their intrinsic value."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True)

    exchange: SettlementExchange
    underlying: Underlying
    expiry: date = Field(description="The expiry day (YYYY-MM-DD): its close (15:30 IST) must have passed")
    price: Annotated[Decimal, Field(ge=0, le=MAX_PRICE, max_digits=14, decimal_places=4)] = Field(
        description="The underlying's settlement price (a decimal string)"
    )


class Settlement(BaseModel):
    """A stored settlement price (the list's items)."""

    model_config = ConfigDict(populate_by_name=True)

    exchange: str
    underlying: str
    expiry: date
    price: str


class SettlementOut(Settlement):
    """PUT /v1/settlements' answer: the stored price and what it settled."""

    contracts: int = Field(
        description="How many of the caller's contracts of that expiry it closed (a contract held in "
        "two accounts counts once; one closed before its expiry, or not held, not at all)"
    )


class SettlementPage(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    items: list[Settlement]
    next_cursor: str | None = Field(alias="nextCursor")
