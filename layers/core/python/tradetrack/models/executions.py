"""Executions (fills): immutable facts, unique on (userId, accountId, source, externalId)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from tradetrack.brokers.names import BrokerName
from tradetrack.instruments.derivatives import parse_derivative
from tradetrack.instruments.isin import normalize_isin
from tradetrack.instruments.keys import instrument_key
from tradetrack.timeutil import IST, as_utc, ist_date

Side = Literal["BUY", "SELL"]
Exchange = Literal["NSE", "BSE", "NFO", "BFO", "CDS", "BCD", "MCX"]
Segment = Literal["EQ", "FO", "CDS", "COM"]
Source = Literal["manual", BrokerName, "import", "opening", "paper"]  # a broker's name: synced from it
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
# Where an equity exchange's derivatives trade: NSE's F&O is the exchange NFO, BSE's is BFO.
DERIVATIVE_EXCHANGE: dict[tuple[str, Segment], Exchange] = {
    ("NSE", "FO"): "NFO",
    ("BSE", "FO"): "BFO",
    ("NSE", "CDS"): "CDS",
    ("BSE", "CDS"): "BCD",
}
_SYMBOL = re.compile(r"^[A-Z0-9][A-Z0-9&_.\- ]{0,39}$")
MAX_PRICE = Decimal("100000000")  # ₹10 crore per unit: beyond any listed instrument
MAX_QUANTITY = 10_000_000
MAX_EXTERNAL_ID = 128
EARLIEST_EXECUTION = datetime(2000, 1, 1, tzinfo=IST)
# How far ahead of the server clock any fill may be; manual entry is stricter (executions.py).
FUTURE_LIMIT = timedelta(days=1)


def _symbol(value: str) -> str:
    value = value.strip().upper()
    if not _SYMBOL.match(value):
        raise ValueError("symbol must be 1-40 characters: letters, digits, space, & _ . -")
    return value


def _executed_at(value: datetime) -> datetime:
    moment = as_utc(value)
    if moment < EARLIEST_EXECUTION:
        raise ValueError("must be on or after 2000-01-01 00:00 IST")
    if moment > datetime.now(UTC) + FUTURE_LIMIT:
        raise ValueError("must not be more than one day in the future")
    return value


# What _symbol accepts (trimmed and upper-cased first), for the OpenAPI schema.
SYMBOL_PATTERN = r"^\s*[A-Za-z0-9][A-Za-z0-9&_.\- ]{0,39}\s*$"
Symbol = Annotated[
    str,
    StringConstraints(max_length=40),
    AfterValidator(_symbol),
    Field(json_schema_extra={"pattern": SYMBOL_PATTERN}),
]
Price = Annotated[Decimal, Field(gt=0, le=MAX_PRICE, max_digits=14, decimal_places=4)]
Fees = Annotated[Decimal, Field(ge=0, le=MAX_PRICE, max_digits=14, decimal_places=4)]
Quantity = Annotated[int, Field(gt=0, le=MAX_QUANTITY)]
Isin = Annotated[Annotated[str, StringConstraints(max_length=32)] | None, AfterValidator(normalize_isin)]
ExecutedAt = Annotated[datetime, AfterValidator(_executed_at)]


def exchange_fill_id(exchange: str, trade_date: date, trade_id: str) -> str:
    """The externalId of a fill an exchange numbered: `NSE:2024-04-01:54311212`.

    Exchanges number trades per exchange and trading day, so the id alone repeats across days.
    Broker files and broker APIs both build it this way, so one fill arriving both ways is one fill.
    """
    return f"{exchange}:{trade_date.isoformat()}:{trade_id}"


class ExecutionIn(BaseModel):
    """A fill as it arrives (API body, CSV row, broker sync): validated, not yet stored.

    Fields are validated in the order declared, so a check of one field against an earlier one
    (exchange against symbol, segment against exchange) reports the later field.
    """

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
    fees: Fees | None = None  # None: not given (charges are estimated); "0" is given and zero
    executed_at: ExecutedAt = Field(alias="executedAt")  # naive → IST
    product: Product | None = None
    external_id: Annotated[str, StringConstraints(min_length=1, max_length=MAX_EXTERNAL_ID)] | None = Field(
        None, alias="externalId"
    )
    order_id: Annotated[str, StringConstraints(max_length=128)] | None = Field(None, alias="orderId")
    multiplier: Annotated[int, Field(ge=1, le=1_000_000)] | None = Field(
        None,
        description="units per lot when quantity is in lots (MCX, CDS: Kite's position multiplier); "
        "value = price × quantity × multiplier",
    )
    isin: Isin = None

    @field_validator("exchange")
    @classmethod
    def _no_derivative_on_an_equity_exchange(cls, exchange: Exchange, info: ValidationInfo) -> Exchange:
        """A contract such as NIFTY24JUN22000CE on NSE is a mistake: NSE's F&O is the exchange NFO.
        On a derivative exchange a symbol that does not parse is accepted (unknown formats exist)."""
        symbol = info.data.get("symbol")
        if symbol is None or SEGMENT_OF_EXCHANGE[exchange] != "EQ":
            return exchange
        if parse_derivative(symbol, exchange) is not None:
            home = DERIVATIVE_EXCHANGE[(exchange, "FO")]
            raise ValueError(f"{symbol} is a derivative contract: {exchange} lists none (its F&O is {home})")
        return exchange

    @field_validator("segment")
    @classmethod
    def _segment_of_the_exchange(cls, segment: Segment | None, info: ValidationInfo) -> Segment | None:
        exchange = info.data.get("exchange")
        if segment is None or exchange is None or segment == SEGMENT_OF_EXCHANGE[exchange]:
            return segment
        expected = SEGMENT_OF_EXCHANGE[exchange]
        home = DERIVATIVE_EXCHANGE.get((exchange, segment))
        hint = f"; {segment} trades on the exchange {home}" if home else ""
        raise ValueError(f"segment {segment} is not exchange {exchange}'s segment ({expected}){hint}")

    @property
    def effective_segment(self) -> Segment:
        return self.segment or SEGMENT_OF_EXCHANGE[self.exchange]

    @property
    def instrument(self) -> str:
        """The identity trades are derived under (tradetrack.instruments.keys): equities by ISIN
        (by base symbol without one), contracts by underlying, expiry, strike and kind."""
        return instrument_key(
            exchange=self.exchange, segment=self.effective_segment, symbol=self.symbol, isin=self.isin
        )

    @property
    def trade_date(self) -> date:
        """The trading day: the IST date of executedAt."""
        return ist_date(self.executed_at)


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
    fees_given: bool = Field(
        alias="feesGiven", description="False: no fees were given (fees is 0 and charges are estimated)"
    )
    executed_at: datetime = Field(alias="executedAt")
    product: str | None = None
    isin: str | None = None


def utc_now() -> datetime:
    return datetime.now(UTC)
