"""The day's orders and fills of a simulated user, as the generator gives them (ids assigned)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from tradetrack.brokers.base import Side
from tradetrack.timeutil import to_ist

Outcome = Literal["COMPLETE", "CANCELLED", "REJECTED"]


@dataclass(frozen=True)
class SimFill:
    trade_id: str
    order_id: str
    exchange_order_id: str
    symbol: str
    side: Side
    product: str
    quantity: int
    price: Decimal
    at: datetime


@dataclass(frozen=True)
class SimOrder:
    order_id: str
    exchange_order_id: str | None
    placed_by: str
    symbol: str
    side: Side
    product: str
    order_type: str  # MARKET or LIMIT
    quantity: int
    price: Decimal  # the limit price; 0 for a market order
    placed_at: datetime
    outcome: Outcome
    ended_at: datetime  # the last fill, the cancellation or the rejection
    fills: tuple[SimFill, ...] = ()
    status_message: str | None = None
    status_message_raw: str | None = None

    def fills_by(self, now: datetime) -> tuple[SimFill, ...]:
        now = to_ist(now)
        return tuple(fill for fill in self.fills if fill.at <= now)

    def status_at(self, now: datetime) -> str:
        if self.outcome == "REJECTED":
            return "REJECTED"
        if to_ist(now) >= self.ended_at:
            return self.outcome
        return "OPEN"


@dataclass(frozen=True)
class DayActivity:
    user_id: str
    day: date
    orders: tuple[SimOrder, ...]

    @property
    def fills(self) -> tuple[SimFill, ...]:
        every = [fill for order in self.orders for fill in order.fills]
        return tuple(sorted(every, key=lambda fill: (fill.at, fill.trade_id)))
