"""The arithmetic of paper money (integers scaled by 10^4): what a buy holds, what a fill costs or
brings, and the balance as the issue defines it (held = funds locked for pending buys; total =
available + held). Pure functions: the service applies them with conditional updates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tradetrack.analytics.charges import dp_charges, kind_of, leg_charges
from tradetrack.money import money_str


@dataclass(frozen=True)
class BalanceView:
    available: int
    held: int

    @property
    def total(self) -> int:
        return self.available + self.held

    def to_json(self) -> dict[str, str]:
        return {
            "available": money_str(self.available),
            "held": money_str(self.held),
            "total": money_str(self.total),
        }


def charges(symbol: str, *, buy: bool, intraday: bool, day: date, turnover: int) -> int:
    """The contract-note charges of one equity order of `turnover` on `day`, from the schedule the
    analytics use; a delivery sell also pays the day's DP charge."""
    kind = kind_of(segment="EQ", is_fno=False, symbol=symbol, intraday=intraday)
    total = leg_charges(kind, day, turnover, buy=buy)
    return total if buy or intraday else total + dp_charges(kind, day)


@dataclass(frozen=True)
class Fill:
    """One fill of `quantity` at `price` (scaled), with its charges."""

    quantity: int
    price: int
    charges: int

    @property
    def value(self) -> int:
        return self.quantity * self.price

    def cash_for_buy(self) -> int:
        """What a buy fill takes from the account."""
        return self.value + self.charges

    def cash_for_sell(self) -> int:
        """What a sell fill brings into the account."""
        return self.value - self.charges


def make_fill(symbol: str, *, buy: bool, intraday: bool, day: date, quantity: int, price: int) -> Fill:
    return Fill(
        quantity, price, charges(symbol, buy=buy, intraday=intraday, day=day, turnover=quantity * price)
    )


def buy_hold(symbol: str, *, intraday: bool, day: date, quantity: int, price: int) -> int:
    """The funds a buy locks while pending: its value at `price` plus that value's charges, so that
    a fill at `price` or better never needs more than was held."""
    return make_fill(
        symbol, buy=True, intraday=intraday, day=day, quantity=quantity, price=price
    ).cash_for_buy()


def settle_buy(held: int, fill: Fill) -> tuple[int, int]:
    """(held released, available returned) when a buy that held `held` fills: the whole hold leaves
    `held`; what the fill did not cost goes back to `available`."""
    cost = fill.cash_for_buy()
    if cost > held:
        raise ValueError(f"fill costs {cost}, more than the {held} held")
    return held, held - cost
