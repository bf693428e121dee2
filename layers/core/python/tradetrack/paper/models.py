"""Paper trading's API bodies and answers (money as decimal strings, like the rest of the API)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from tradetrack.models.executions import Price, Quantity, Symbol

OrderType = Literal["MARKET", "LIMIT"]
OrderSide = Literal["BUY", "SELL"]
PaperProduct = Literal["CNC"]
Validity = Literal["DAY"]
OrderState = Literal["pending", "executed", "canceled", "rejected"]
AccountStatus = Literal["open", "closed"]
PaperExchange = Literal["NSE", "BSE"]
MAX_STARTING_BALANCE = Decimal("1000000000")  # ₹100 crore of play money


class AccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True)

    name: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "Paper"
    starting_balance: Annotated[
        Decimal, Field(gt=0, le=MAX_STARTING_BALANCE, max_digits=14, decimal_places=4)
    ] = Field(alias="startingBalance")


class Balance(BaseModel):
    available: str
    held: str = Field(description="funds locked for pending buys")
    total: str = Field(description="available + held")


class AccountOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    account_id: str = Field(alias="accountId")
    name: str
    status: AccountStatus
    starting_balance: str = Field(alias="startingBalance")
    balance: Balance
    created_at: datetime = Field(alias="createdAt")


class AccountList(BaseModel):
    items: list[AccountOut]


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True)

    symbol: Symbol
    exchange: PaperExchange
    side: OrderSide
    type: OrderType
    quantity: Quantity
    price: Price | None = Field(None, description="the limit price: required for LIMIT, absent for MARKET")
    product: PaperProduct = "CNC"
    validity: Validity = "DAY"

    @model_validator(mode="after")
    def _price_for_limit_only(self) -> OrderIn:
        if self.type == "LIMIT" and self.price is None:
            raise ValueError("a LIMIT order needs a price")
        if self.type == "MARKET" and self.price is not None:
            raise ValueError("a MARKET order takes no price")
        return self


class Transition(BaseModel):
    state: OrderState
    at: datetime
    reason: str | None = None


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
    product: PaperProduct
    validity: Validity
    state: OrderState
    held: str = Field(description="funds this order holds now (pending buys)")
    fills: list[FillOut]
    history: list[Transition]
    created_at: datetime = Field(alias="createdAt")


class OrderList(BaseModel):
    items: list[OrderOut]


class HoldingOut(BaseModel):
    symbol: str
    exchange: str
    quantity: int
    free: int = Field(description="quantity not reserved by pending sells")
    last_price: str | None = Field(alias="lastPrice")


class Portfolio(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    account_id: str = Field(alias="accountId")
    balance: Balance
    holdings: list[HoldingOut]
