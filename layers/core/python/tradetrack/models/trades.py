"""Trades (round trips), positions and the portfolio: the API's payloads (API.md, "Executions and trades")."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from tradetrack.analytics.categories import Category
from tradetrack.analytics.fifo import Direction
from tradetrack.models.executions import ExecutionOut

TradeStatus = Literal["open", "closed"]
# GET /v1/trades?sort=: a stored field, "-" first for descending (_id breaks ties the same way).
# closedAt lists closed trades only (open ones have no closing time); netPnl is the scaled integer.
TradeSort = Literal["-openedAt", "openedAt", "-closedAt", "closedAt", "-netPnl", "netPnl"]

MAX_NOTES = 10_000
MAX_TAGS = 20
MAX_TAG_LENGTH = 40
MAX_STRATEGY = 100
_PRINTABLE = re.compile(r"^[^\x00-\x1f\x7f]*$")


def _printable(value: str) -> str:
    if not _PRINTABLE.match(value):
        raise ValueError("control characters are not allowed")
    return value


def _tag(value: str) -> str:
    value = value.strip().lower()
    if not 1 <= len(value) <= MAX_TAG_LENGTH:
        raise ValueError(f"a tag is 1-{MAX_TAG_LENGTH} characters")
    return _printable(value)


def _unique(tags: list[str]) -> list[str]:
    """Tags after normalisation, first occurrence kept: "Breakout" and "breakout" are one tag."""
    return list(dict.fromkeys(tags))


Tag = Annotated[str, StringConstraints(max_length=200), AfterValidator(_tag)]
Notes = Annotated[str, StringConstraints(max_length=MAX_NOTES)]
Strategy = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=MAX_STRATEGY), AfterValidator(_printable)
]


class TradeOut(BaseModel):
    """A round trip. Money and prices are decimal strings; times are IST (+05:30)."""

    model_config = ConfigDict(populate_by_name=True)

    trade_id: str = Field(alias="tradeId")
    account_id: str = Field(alias="accountId")
    symbol: str
    exchange: str
    segment: str
    is_fno: bool = Field(alias="isFno")
    direction: Direction
    status: TradeStatus
    category: Category
    opened_at: datetime = Field(alias="openedAt")
    closed_at: datetime | None = Field(alias="closedAt")
    quantity: int  # units opened over the trade's life
    open_quantity: int = Field(alias="openQuantity")  # units still open (0 once closed)
    avg_entry: str | None = Field(alias="avgEntry")
    avg_exit: str | None = Field(alias="avgExit")
    realized_pnl: str = Field(alias="realizedPnl")  # gross, before charges
    charges: str
    net_pnl: str = Field(alias="netPnl")  # realizedPnl − charges
    holding_days: int = Field(alias="holdingDays")
    execution_ids: list[str] = Field(alias="executionIds")
    notes: str
    tags: list[str]
    strategy: str | None


class TradePage(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    items: list[TradeOut]
    next_cursor: str | None = Field(alias="nextCursor")


class ExecutionPage(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    items: list[ExecutionOut]
    next_cursor: str | None = Field(alias="nextCursor")


class PatchTradeRequest(BaseModel):
    """The user's annotations. A field left out is unchanged; null clears it (category: back to automatic)."""

    model_config = ConfigDict(extra="forbid")

    category: Category | None = None
    notes: Notes | None = None
    tags: Annotated[list[Tag], Field(max_length=MAX_TAGS), AfterValidator(_unique)] | None = None
    strategy: Strategy | None = None


class PositionOut(BaseModel):
    """Open lots of one instrument in one account, valued at the cached quote (or the last fill)."""

    model_config = ConfigDict(populate_by_name=True)

    symbol: str
    exchange: str
    segment: str
    account_id: str = Field(alias="accountId")
    quantity: int  # signed: a short position is negative
    avg_price: str = Field(alias="avgPrice")
    last_price: str = Field(alias="lastPrice")
    # True: no quote (the last fill's price), or the quote is older than 90 s
    last_price_stale: bool = Field(alias="lastPriceStale")
    last_price_age_s: int | None = Field(
        None, alias="lastPriceAgeS", description="seconds since the quote was fetched; null: no quote"
    )
    unrealized_pnl: str = Field(alias="unrealizedPnl")
    day_change: str | None = Field(alias="dayChange")  # (ltp − previous close) × signed quantity


class PositionList(BaseModel):
    items: list[PositionOut]


class HoldingOut(PositionOut):
    invested: str  # cost of the open lots (avg price × quantity, exact)
    current_value: str = Field(alias="currentValue")  # lastPrice × quantity


class PortfolioOut(BaseModel):
    """Equity delivery holdings (open long, non-intraday EQ positions) and exact totals."""

    model_config = ConfigDict(populate_by_name=True)

    holdings: list[HoldingOut]
    total_invested: str = Field(alias="totalInvested")
    total_value: str = Field(alias="totalValue")
    unrealized_pnl: str = Field(alias="unrealizedPnl")
    day_change: str | None = Field(alias="dayChange")  # null unless every holding has a cached close
    last_price_stale: bool = Field(alias="lastPriceStale")  # True when any holding's price is stale
    last_price_age_s: int | None = Field(
        None, alias="lastPriceAgeS", description="age in seconds of the oldest quote used; null: none"
    )
