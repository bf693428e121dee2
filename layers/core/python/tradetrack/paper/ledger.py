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
    debit: int = 0  # what a loss beyond the cash left owes (never a negative `available`)

    @property
    def total(self) -> int:
        return self.available + self.held

    def to_json(self) -> dict[str, str]:
        figures = {
            "available": money_str(self.available),
            "held": money_str(self.held),
            "total": money_str(self.total),
        }
        return figures | {"debit": money_str(self.debit)} if self.debit else figures


def credit(available: int, debit: int, amount: int) -> tuple[int, int]:
    """(available, debit) after `amount` (a fill's cash: + brought, − taken) is settled: what comes
    in pays the debit first; what goes out beyond `available` becomes debit, never a negative
    `available` (a gap through an MIS stop-out)."""
    net = available - debit + amount
    return (net, 0) if net >= 0 else (0, -net)


def stopout_loss(margin_blocked: int, pct: int) -> int:
    """The mark-to-market loss at which an MIS position is stopped out: `pct`% of its margin,
    rounded up (exact integers)."""
    return -(-margin_blocked * pct // 100)


def stopout_price(quantity: int, cost: int, margin_blocked: int, pct: int) -> tuple[str, int] | None:
    """Where an MIS position is stopped out (`position_loss` reaching `stopout_loss`): ("long", p)
    at any price at or under p, ("short", p) at any price at or over p; None for a position with
    no margin (nothing to stop out)."""
    if quantity == 0 or margin_blocked <= 0:
        return None
    limit = stopout_loss(margin_blocked, pct)
    if quantity > 0:  # cost − quantity × price ≥ limit
        return "long", (cost - limit) // quantity
    return "short", -(-(cost + limit) // -quantity)  # −quantity × price − cost ≥ limit


def position_loss(quantity: int, cost: int, price: int) -> int:
    """A position's mark-to-market loss at `price` (negative: a profit): a long of `quantity`
    bought for `cost` loses cost − value; a short (quantity < 0, `cost` its proceeds) value − cost."""
    value = abs(quantity) * price
    return cost - value if quantity > 0 else value - cost


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


def margin(value: int, leverage: int) -> int:
    """What an MIS position of `value` blocks: value / leverage, rounded up (exact integers)."""
    return -(-value // leverage)


def charges_upto(symbol: str, *, buy: bool, mis: bool, day: date, turnover: int) -> int:
    """An order's charges once `turnover` of it has filled (none before its first fill)."""
    return charges(symbol, buy=buy, intraday=mis, day=day, turnover=turnover) if turnover else 0


def cost_of(symbol: str, *, mis: bool, leverage: int, day: date, turnover: int, buy: bool = True) -> int:
    """What `turnover` of an order opening a position blocks in all: its value (CNC) or margin (MIS)
    plus its charges (a buy's; `buy` False: an MIS short sale's)."""
    blocked = margin(turnover, leverage) if mis else turnover
    return blocked + charges_upto(symbol, buy=buy, mis=mis, day=day, turnover=turnover)


def slipped(price: int, *, buy: bool, quantity: int, bps_per_lot: int, lot: int) -> int:
    """A market fill's price: the quote moved against the order by `bps_per_lot` basis points for
    each lot (of `lot` shares, a part counting whole) of depth it takes; rounded against the order
    to a paisa (100 in the 10^4 scale)."""
    bps = bps_per_lot * -(-quantity // lot)
    moved = price * (10_000 + bps if buy else 10_000 - bps)
    paisa = 100 * 10_000
    return -(-moved // paisa) * 100 if buy else moved // paisa * 100


@dataclass(frozen=True)
class Step:
    """One fill of an order, with what it does to the account and the holding (scaled integers).
    `charges`, `blocked` (value for CNC, margin for MIS) are the fill's part of the order's
    cumulative figures, so that an order's fills together cost exactly what the order held."""

    quantity: int
    price: int
    charges: int
    held: int  # leaves `held` (a buy's hold used up or released)
    available: int  # added to `available` (may be negative only by a charges schedule change)
    cost: int  # added to the holding's cost basis (buy: + value; sell: − the cost relieved)
    margin: int  # added to the holding's margin (MIS buy: +; MIS sell: − the margin relieved)
    realised: int  # a sell: value − cost relieved


def buy_step(
    symbol: str,
    *,
    mis: bool,
    leverage: int,
    day: date,
    quantity: int,
    price: int,
    turnover_before: int,
    held: int,
    last: bool,
    buy: bool = True,
) -> Step:
    """A fill opening a position (a buy; `buy` False: an MIS short sale) of `quantity` at `price`
    after `turnover_before` of the same order: it costs its share of the order's cumulative blocked
    amount and charges; the last fill releases the rest. A short's `cost` is its proceeds."""
    after = turnover_before + quantity * price
    cost = cost_of(symbol, mis=mis, leverage=leverage, day=day, turnover=after, buy=buy) - cost_of(
        symbol, mis=mis, leverage=leverage, day=day, turnover=turnover_before, buy=buy
    )
    fee = charges_upto(symbol, buy=buy, mis=mis, day=day, turnover=after) - charges_upto(
        symbol, buy=buy, mis=mis, day=day, turnover=turnover_before
    )
    released = held if last else min(cost, held)
    return Step(
        quantity,
        price,
        fee,
        held=released,
        available=released - cost,
        cost=quantity * price,
        margin=cost - fee if mis else 0,
        realised=0,
    )


def sell_step(
    symbol: str,
    *,
    mis: bool,
    day: date,
    quantity: int,
    price: int,
    turnover_before: int,
    owned: int,
    cost_basis: int,
    margin_held: int,
    short: bool = False,
) -> Step:
    """A fill closing a position: a sell out of a long of `owned` shares costing `cost_basis` (or,
    `short`, an MIS buy covering a short of `owned` shares sold for `cost_basis`), blocking
    `margin_held` when MIS: the average basis is relieved (all of it when the position closes)."""
    after = turnover_before + quantity * price
    fee = charges_upto(symbol, buy=short, mis=mis, day=day, turnover=after) - charges_upto(
        symbol, buy=short, mis=mis, day=day, turnover=turnover_before
    )
    whole = quantity >= owned
    relieved = cost_basis if whole else cost_basis * quantity // max(owned, 1)
    freed = (margin_held if whole else margin_held * quantity // max(owned, 1)) if mis else 0
    value = quantity * price
    realised = relieved - value if short else value - relieved
    cash = freed + realised - fee if mis else value - fee
    return Step(
        quantity, price, fee, held=0, available=cash, cost=-relieved, margin=-freed, realised=realised
    )
