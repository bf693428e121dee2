"""PUT /v1/settlements bodies and answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Underlying = Annotated[str, StringConstraints(min_length=1, max_length=30, pattern=r"^[A-Z0-9&\-]+$")]


class SettlementIn(BaseModel):
    """The underlying's final settlement price on an expiry day (for an index, its closing value;
    for a stock, its closing price): futures settle at it, options at their intrinsic value."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True)

    exchange: Literal["NFO", "BFO"]
    underlying: Underlying
    expiry: date
    price: Annotated[Decimal, Field(ge=0, le=Decimal("100000000"), max_digits=14, decimal_places=4)]


class SettlementOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    exchange: str
    underlying: str
    expiry: date
    price: str
    contracts: int | None = Field(None, description="(when set) the user's contracts this price settled")
