"""Executions (fills): immutable facts, unique on (userId, accountId, source, externalId)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

Side = Literal["BUY", "SELL"]
Exchange = Literal["NSE", "BSE", "NFO", "BFO", "CDS", "BCD", "MCX"]
Segment = Literal["EQ", "FO", "CDS", "COM"]
Source = Literal["manual", "zerodha", "upstox", "simulated", "import"]
Product = Literal["CNC", "MIS", "NRML", "MTF", "BO", "CO", "I", "D"]

SEGMENT_OF_EXCHANGE: dict[str, Segment] = {
    "NSE": "EQ",
    "BSE": "EQ",
    "NFO": "FO",
    "BFO": "FO",
    "CDS": "CDS",
    "BCD": "CDS",
    "MCX": "COM",
}
_SYMBOL = re.compile(r"^[A-Z0-9][A-Z0-9&_.\- ]{0,39}$")
MAX_PRICE = Decimal("100000000")  # ₹10 crore per unit: beyond any listed instrument
MAX_QUANTITY = 10_000_000


def _symbol(value: str) -> str:
    value = value.strip().upper()
    if not _SYMBOL.match(value):
        raise ValueError("symbol must be 1-40 characters: letters, digits, space, & _ . -")
    return value


Symbol = Annotated[str, StringConstraints(max_length=40), AfterValidator(_symbol)]
Price = Annotated[Decimal, Field(gt=0, le=MAX_PRICE, max_digits=14, decimal_places=4)]
Fees = Annotated[Decimal, Field(ge=0, le=MAX_PRICE, max_digits=14, decimal_places=4)]
Quantity = Annotated[int, Field(gt=0, le=MAX_QUANTITY)]


class ExecutionIn(BaseModel):
    """A fill as it arrives (API body, CSV row, broker sync): validated, not yet stored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True)

    account_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        "manual", alias="accountId"
    )
    symbol: Symbol
    exchange: Exchange
    segment: Segment | None = None
    side: Side
    quantity: Quantity
    price: Price
    fees: Fees = Decimal(0)
    executed_at: datetime = Field(alias="executedAt")  # naive → IST
    product: Product | None = None
    external_id: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = Field(
        None, alias="externalId"
    )
    order_id: Annotated[str, StringConstraints(max_length=128)] | None = Field(None, alias="orderId")

    @property
    def effective_segment(self) -> Segment:
        return self.segment or SEGMENT_OF_EXCHANGE[self.exchange]

    @property
    def instrument(self) -> str:
        return f"{self.exchange}:{self.symbol}"


class ExecutionOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    execution_id: str = Field(alias="executionId")
    account_id: str = Field(alias="accountId")
    source: Source
    external_id: str = Field(alias="externalId")
    symbol: str
    exchange: str
    segment: str
    side: Side
    quantity: int
    price: str
    fees: str
    executed_at: datetime = Field(alias="executedAt")
    product: str | None = None


def utc_now() -> datetime:
    return datetime.now(UTC)
