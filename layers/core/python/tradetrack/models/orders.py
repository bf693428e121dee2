"""Order book and holdings from broker syncs: the payloads of GET /v1/orders and GET /v1/holdings.

Money and prices are decimal strings; times are IST (+05:30).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tradetrack.brokers.names import BrokerName

OrderState = Literal["open", "complete", "cancelled", "rejected"]


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class OrderStatusSeen(_Model):
    status: str = Field(description="the broker's status text")
    filled_quantity: int = Field(alias="filledQuantity")
    at: datetime | None = Field(
        description="the broker's time of that state (its last update, else placement)"
    )


class OrderOut(_Model):
    """One order of a broker account's order book, as the latest sync saw it."""

    order_id: str = Field(alias="orderId", description="the broker's order id")
    account_id: str = Field(alias="accountId")
    broker: BrokerName
    state: OrderState = Field(description="the status reduced to open, complete, cancelled or rejected")
    status: str = Field(description="the broker's own status text (OPEN, TRIGGER PENDING, COMPLETE, ...)")
    status_message: str | None = Field(alias="statusMessage")
    symbol: str
    exchange: str
    side: Literal["BUY", "SELL"]
    product: str | None
    order_type: str | None = Field(alias="orderType")
    variety: str | None
    validity: str | None
    quantity: int
    filled_quantity: int = Field(alias="filledQuantity")
    pending_quantity: int | None = Field(alias="pendingQuantity")
    cancelled_quantity: int | None = Field(alias="cancelledQuantity")
    price: str | None = Field(description="the limit price (0 on a market order)")
    trigger_price: str | None = Field(alias="triggerPrice")
    average_price: str | None = Field(
        alias="averagePrice", description="of the units filled; null before one"
    )
    exchange_order_id: str | None = Field(alias="exchangeOrderId")
    parent_order_id: str | None = Field(alias="parentOrderId")
    tag: str | None
    placed_at: datetime = Field(alias="placedAt")
    exchange_at: datetime | None = Field(alias="exchangeAt")
    updated_at: datetime | None = Field(alias="updatedAt")
    first_seen_at: datetime = Field(alias="firstSeenAt")
    last_seen_at: datetime = Field(alias="lastSeenAt")
    status_history: list[OrderStatusSeen] = Field(
        alias="statusHistory", description="each state the syncs saw, oldest first"
    )


class OrderPage(_Model):
    items: list[OrderOut]
    next_cursor: str | None = Field(alias="nextCursor")


class BrokerHoldingOut(_Model):
    symbol: str
    exchange: str
    isin: str | None
    product: str | None
    quantity: int = Field(description="units held, those in T+1 settlement included")
    t1_quantity: int = Field(alias="t1Quantity", description="bought, still in T+1 settlement")
    collateral_quantity: int = Field(alias="collateralQuantity", description="pledged as margin")
    average_price: str | None = Field(alias="averagePrice")
    last_price: str | None = Field(alias="lastPrice", description="as the broker reported it at the sync")
    close_price: str | None = Field(alias="closePrice")
    invested: str | None = Field(description="the broker's exact average price × quantity")
    current_value: str | None = Field(alias="currentValue", description="lastPrice × quantity")
    pnl: str | None = Field(description="currentValue − invested")


class BrokerAccountHoldings(_Model):
    account_id: str = Field(alias="accountId")
    broker: BrokerName
    as_of: datetime = Field(alias="asOf", description="when the sync read them")
    sync_id: str = Field(alias="syncId")
    items: list[BrokerHoldingOut]


class BrokerHoldingList(_Model):
    accounts: list[BrokerAccountHoldings]
