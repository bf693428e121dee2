"""Paper trading's API bodies and answers (money as decimal strings, like the rest of the API)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tradetrack.models.executions import Quantity, Symbol

OrderType = Literal["MARKET", "LIMIT", "SL", "SL-M"]
OrderSide = Literal["BUY", "SELL"]
PaperProduct = Literal["CNC", "MIS"]
Validity = Literal["DAY", "IOC"]
OrderState = Literal["pending", "partially_executed", "executed", "canceled", "expired", "rejected"]
LIVE_STATES: tuple[OrderState, ...] = ("pending", "partially_executed")  # may still fill
AccountStatus = Literal["open", "closed"]
PaperExchange = Literal["NSE", "BSE"]
# Money in: a decimal string of at most 4 places (a JSON number is refused: it may not be exact);
# zero is refused by the service (422), as a rule the pattern does not state.
StartingBalance = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{1,10}(\.[0-9]{1,4})?$"),
    Field(description="INR, a decimal string (up to 9999999999.9999); more than zero"),
]
LimitPrice = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{1,8}(\.[0-9]{1,4})?$"),
    Field(description="INR, a decimal string (up to 99999999.9999); more than zero"),
]


class AccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True)

    name: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "Paper"
    starting_balance: StartingBalance = Field(alias="startingBalance")

    @property
    def amount(self) -> Decimal:
        return Decimal(self.starting_balance)


class Balance(BaseModel):
    available: str
    held: str = Field(description="funds locked for pending buys")
    total: str = Field(description="available + held")
    debit: str = Field(
        "0",
        description="owed: the part of a loss beyond the cash left (an MIS position gapping through its "
        "stop-out); paid by the next credits, cleared by a reset. `available` is never negative",
    )


BALANCE_VERSION = Field(
    0,
    alias="balanceVersion",
    ge=0,
    description="the balance's version: grows by one with every change of the balance (a hold, a release, "
    "a fill, a reset); the `paper_balance` frame carries it as `version`, so a frame older than what was "
    "read is known (docs/websocket.md)",
)


class AccountOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    account_id: str = Field(alias="accountId")
    name: str
    status: AccountStatus
    starting_balance: str = Field(alias="startingBalance")
    balance: Balance
    balance_version: int = BALANCE_VERSION
    created_at: datetime = Field(alias="createdAt")


class AccountList(BaseModel):
    items: list[AccountOut]


class OrderIn(BaseModel):
    """An order as placed. LIMIT and SL need a price, MARKET and SL-M take none; SL and SL-M need a
    trigger price (a buy triggers when the price rises to it, a sell when it falls to it), the
    others take none: the service answers 422 otherwise (rules between fields)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    symbol: Symbol
    exchange: PaperExchange
    side: OrderSide
    type: OrderType
    quantity: Quantity
    price: LimitPrice | None = Field(
        None, description="the limit price: required for LIMIT and SL, absent for MARKET and SL-M"
    )
    trigger_price: LimitPrice | None = Field(
        None, alias="triggerPrice", description="SL and SL-M: the price that triggers the order"
    )
    product: PaperProduct = Field(
        "CNC",
        description="CNC: delivery; MIS: intraday, on margin (value / leverage), squared off at 15:20 IST",
    )
    validity: Validity = Field(
        "DAY",
        description="DAY: rests until the close; IOC: fills what the quote allows now, the rest is canceled",
    )

    @property
    def limit(self) -> Decimal | None:
        return None if self.price is None else Decimal(self.price)

    @property
    def trigger(self) -> Decimal | None:
        return None if self.trigger_price is None else Decimal(self.trigger_price)


class Transition(BaseModel):
    state: OrderState
    at: datetime
    reason: str | None = None
    quantity: int | None = Field(None, description="a fill's quantity (executed, partially_executed)")


class FillOut(BaseModel):
    seq: int
    quantity: int
    price: str
    charges: str
    at: datetime
    execution_id: str = Field(alias="executionId")


class OrderOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    order_id: str = Field(alias="orderId")
    account_id: str = Field(alias="accountId")
    symbol: str
    exchange: str
    side: OrderSide
    type: OrderType
    quantity: int
    price: str | None
    trigger_price: str | None = Field(None, alias="triggerPrice")
    triggered_at: datetime | None = Field(None, alias="triggeredAt", description="SL and SL-M")
    filled_quantity: int = Field(0, alias="filledQuantity")
    product: PaperProduct
    validity: Validity
    state: OrderState
    held: str = Field(description="funds this order holds now (pending buys)")
    expires_at: datetime | None = Field(
        None, alias="expiresAt", description="DAY validity: the close of its session (15:30 IST)"
    )
    fills: list[FillOut]
    history: list[Transition]
    created_at: datetime = Field(alias="createdAt")


class OrderList(BaseModel):
    items: list[OrderOut]


class HoldingOut(BaseModel):
    symbol: str
    exchange: str
    product: PaperProduct = "CNC"
    quantity: int
    free: int = Field(description="quantity not reserved by pending sells")
    last_price: str | None = Field(alias="lastPrice")


class Portfolio(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    account_id: str = Field(alias="accountId")
    balance: Balance
    balance_version: int = BALANCE_VERSION
    holdings: list[HoldingOut]
