"""The /v1/opening-lots payloads: a lot in, a lot out, a page, a holdings-file import and its report."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from tradetrack.brokers.names import BrokerName
from tradetrack.models.executions import Isin, Price, Quantity, Symbol
from tradetrack.models.uploads import AccountId, Rejection
from tradetrack.timeutil import IST

EquityExchange = Literal["NSE", "BSE"]
OpeningOf = Literal["manual", "holdings_file", BrokerName]  # a broker: its first sync's holdings
HoldingsFormat = Literal["zerodha_holdings"]
FileEncoding = Literal["text", "base64"]
EARLIEST_ACQUISITION = date(2000, 1, 1)
MANUAL_ACCOUNT = "manual"  # the account POST /v1/executions files fills under by default


def ist_today() -> date:
    return datetime.now(IST).date()


def _past_day(value: date) -> date:
    """From 2000-01-01 (the journal's earliest fill) to today in India."""
    if value < EARLIEST_ACQUISITION:
        raise ValueError("must be on or after 2000-01-01")
    if value > ist_today():
        raise ValueError("must not be in the future (IST)")
    return value


PastDay = Annotated[date, AfterValidator(_past_day)]


class OpeningLotIn(BaseModel):
    """A lot held before the journal starts: its units, average price and acquisition date."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True)

    account_id: AccountId = Field(
        MANUAL_ACCOUNT, alias="accountId", description="The account whose sells the lot is matched with"
    )
    symbol: Symbol | None = Field(None, description="NSE/BSE symbol; symbol or isin is required")
    isin: Isin = Field(None, description="The security's ISIN; symbol or isin is required")
    exchange: EquityExchange = "NSE"
    quantity: Quantity
    average_price: Price = Field(alias="averagePrice", description="Cost per unit, INR, ≤ 4 decimals")
    acquired_on: PastDay = Field(alias="acquiredOn", description="Acquisition date (IST), YYYY-MM-DD")


class OpeningLotPatch(BaseModel):
    """What an edit may change; a field left out keeps its value."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    quantity: Quantity | None = None
    average_price: Price | None = Field(None, alias="averagePrice")
    acquired_on: PastDay | None = Field(None, alias="acquiredOn")


class OpeningLotOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    lot_id: str = Field(alias="lotId", description="The lot's execution id")
    account_id: str = Field(alias="accountId")
    symbol: str
    exchange: str
    isin: str | None
    quantity: int
    average_price: str = Field(alias="averagePrice")
    acquired_on: date = Field(alias="acquiredOn")
    snapshot: bool = Field(
        description="True: the holding on acquiredOn (a holdings file); the journal's own earlier "
        "fills are subtracted from it. False: an explicit lot"
    )
    opening_of: OpeningOf = Field(alias="openingOf")
    created_at: datetime = Field(alias="createdAt")


class OpeningLotPage(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    items: list[OpeningLotOut]
    next_cursor: str | None = Field(alias="nextCursor")


class HoldingsImportRequest(BaseModel):
    """A Zerodha holdings export (Kite CSV or Console CSV/XLSX) read as the holding on `asOf`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    format: HoldingsFormat
    file: str = Field(description="CSV text, or the base64 of an XLSX/CSV file (encoding: base64)")
    encoding: FileEncoding = "text"
    account_id: AccountId = Field(alias="accountId", description="The account the holdings are in")
    as_of: PastDay | None = Field(
        None, alias="asOf", description="The holdings' date; required unless the file states it"
    )


class HoldingsImportReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    imported: int = Field(description="Lots stored now (new, or replacing a changed row of the same date)")
    unchanged: int = Field(description="Rows already stored exactly so (the same file again)")
    rejected: list[Rejection] = Field(description="Rows skipped, first 1,000 only")
    rejected_count: int = Field(alias="rejectedCount")
    instruments: int = Field(description="Instruments whose trades were re-derived")
