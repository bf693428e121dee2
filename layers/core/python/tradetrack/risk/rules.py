"""Risk rules as pure functions: limits merged field by field, the pre-trade check of one order,
and the breaches an account's snapshot shows. Money is integers scaled by 10^4 (tradetrack.money).

Rule names (what a rejection and a violation say):

    max_loss_per_day        day P&L (realised today + unrealised at the last quote) at or below −limit
    max_order_value         quantity × price over the limit
    max_position_value      the instrument's position value (after the order) over the limit
    max_open_positions      a new instrument's position while the account holds the limit already
    max_quantity_per_order  quantity over the limit
    allowed_exchanges       the order's exchange (segment) not in the list
    allowed_instruments     the order's instrument (EXCHANGE:SYMBOL) not in the list

An order that only reduces a position (a sell of at most the long quantity held, a buy of at most
the short quantity) is never refused: a trader, and the square-off, must always be able to exit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Literal

from tradetrack.book import is_paper
from tradetrack.display import amount
from tradetrack.money import from_scaled

Rule = Literal[
    "max_loss_per_day",
    "max_order_value",
    "max_position_value",
    "max_open_positions",
    "max_quantity_per_order",
    "allowed_exchanges",
    "allowed_instruments",
]
RULES: tuple[Rule, ...] = (
    "max_loss_per_day",
    "max_order_value",
    "max_position_value",
    "max_open_positions",
    "max_quantity_per_order",
    "allowed_exchanges",
    "allowed_instruments",
)
COUNT_RULES: tuple[Rule, ...] = ("max_open_positions", "max_quantity_per_order")  # the rest are money
Side = Literal["BUY", "SELL"]


@dataclass(frozen=True)
class Limits:
    """One scope's limits; None: not set (an account inherits the user's, a user has no limit)."""

    max_loss_per_day: int | None = None  # scaled INR, > 0
    max_order_value: int | None = None
    max_position_value: int | None = None
    max_open_positions: int | None = None
    max_quantity_per_order: int | None = None
    allowed_exchanges: frozenset[str] | None = None
    allowed_instruments: frozenset[str] | None = None  # "NSE:INFY"
    # The user's max loss per day also bounds the day P&L of the account's book (the user's paper
    # accounts together; the real ones together): set from the user's scope only (repository.to_limits)
    book_max_loss_per_day: int | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))

    def monitored(self) -> bool:
        """Whether the monitor has anything to watch (the limits a held position can breach)."""
        return any(
            value is not None
            for value in (
                self.max_loss_per_day,
                self.book_max_loss_per_day,
                self.max_position_value,
                self.max_open_positions,
            )
        )


def merge(user: Limits | None, account: Limits | None) -> Limits:
    """The limits in force for an account: each field the account sets overrides the user's."""
    base = user or Limits()
    if account is None:
        return base
    chosen = {
        f.name: getattr(account, f.name) for f in fields(account) if getattr(account, f.name) is not None
    }
    return replace(base, **chosen)


@dataclass(frozen=True)
class OrderIntent:
    """An order about to be placed, valued at `price` (the limit, or the last quote for market)."""

    exchange: str
    symbol: str  # the trading symbol ("INFY")
    side: Side
    quantity: int
    price: int  # scaled INR per unit

    @property
    def instrument(self) -> str:
        return f"{self.exchange}:{self.symbol}"

    @property
    def value(self) -> int:
        return self.quantity * self.price


@dataclass(frozen=True)
class Position:
    quantity: int  # signed: long > 0, short < 0
    price: int  # the last quote (scaled), else the last fill's price

    @property
    def value(self) -> int:
        return abs(self.quantity) * self.price


@dataclass(frozen=True)
class Context:
    """What the account holds when the order is checked (from the journal and the quote cache)."""

    day_pnl: int = 0  # realised today + unrealised on open positions (scaled)
    positions: Mapping[str, Position] = field(default_factory=dict)  # by instrument "NSE:INFY"
    book_day_pnl: int | None = None  # the day P&L of the account's book (paper or real) together
    book: str = "paper"  # which: the user's "paper" or "real" accounts

    @property
    def open_positions(self) -> int:
        return sum(1 for p in self.positions.values() if p.quantity)


@dataclass(frozen=True)
class Rejection:
    rule: Rule
    message: str
    value: int | None = None  # what was measured (scaled money, or a count)
    limit: int | None = None

    @property
    def reason(self) -> str:
        """The order history's reason: the rule, then why."""
        return f"risk: {self.rule}: {self.message}"


def _rupees(value: int) -> str:
    """For people: "-₹5,200.50" (to the paisa, Indian grouping)."""
    return amount(from_scaled(value))


def reduces(intent: OrderIntent, held: Position | None) -> bool:
    """Whether the order only reduces the account's position in the instrument."""
    if held is None or held.quantity == 0:
        return False
    if intent.side == "SELL":
        return 0 < intent.quantity <= held.quantity
    return 0 < intent.quantity <= -held.quantity


def check_order(limits: Limits, intent: OrderIntent, context: Context) -> Rejection | None:
    """The first rule this order breaks (in RULES order of the checks below), else None."""
    held = context.positions.get(intent.instrument)
    if reduces(intent, held):
        return None
    for check in (_instrument_rules, _size_rules, _position_rules, _loss_rule):
        found = check(limits, intent, context)
        if found is not None:
            return found
    return None


def _instrument_rules(limits: Limits, intent: OrderIntent, _: Context) -> Rejection | None:
    if limits.allowed_exchanges is not None and intent.exchange not in limits.allowed_exchanges:
        allowed = ", ".join(sorted(limits.allowed_exchanges)) or "none"
        return Rejection("allowed_exchanges", f"{intent.exchange} is not an allowed exchange ({allowed})")
    if limits.allowed_instruments is not None and intent.instrument not in limits.allowed_instruments:
        return Rejection("allowed_instruments", f"{intent.instrument} is not an allowed instrument")
    return None


def _size_rules(limits: Limits, intent: OrderIntent, _: Context) -> Rejection | None:
    if limits.max_quantity_per_order is not None and intent.quantity > limits.max_quantity_per_order:
        return Rejection(
            "max_quantity_per_order",
            f"quantity {intent.quantity} is over the limit {limits.max_quantity_per_order}",
            intent.quantity,
            limits.max_quantity_per_order,
        )
    if limits.max_order_value is not None and intent.value > limits.max_order_value:
        return Rejection(
            "max_order_value",
            f"order value {_rupees(intent.value)} is over the limit {_rupees(limits.max_order_value)}",
            intent.value,
            limits.max_order_value,
        )
    return None


def _position_rules(limits: Limits, intent: OrderIntent, context: Context) -> Rejection | None:
    held = context.positions.get(intent.instrument)
    current = held.quantity if held is not None else 0
    after = current + (intent.quantity if intent.side == "BUY" else -intent.quantity)
    opens = current == 0
    if (
        limits.max_open_positions is not None
        and opens
        and context.open_positions >= limits.max_open_positions
    ):
        return Rejection(
            "max_open_positions",
            f"the account holds {context.open_positions} open positions, the limit",
            context.open_positions,
            limits.max_open_positions,
        )
    value = abs(after) * intent.price
    if limits.max_position_value is not None and value > limits.max_position_value:
        return Rejection(
            "max_position_value",
            f"{intent.instrument} position value {_rupees(value)} would be over the limit "
            f"{_rupees(limits.max_position_value)}",
            value,
            limits.max_position_value,
        )
    return None


def _loss_rule(limits: Limits, _: OrderIntent, context: Context) -> Rejection | None:
    if limits.max_loss_per_day is not None and context.day_pnl <= -limits.max_loss_per_day:
        return Rejection(
            "max_loss_per_day",
            f"day P&L {_rupees(context.day_pnl)} has reached the max loss per day "
            f"{_rupees(limits.max_loss_per_day)}: only orders that reduce a position are taken",
            context.day_pnl,
            limits.max_loss_per_day,
        )
    book, limit = context.book_day_pnl, limits.book_max_loss_per_day
    if book is not None and limit is not None and book <= -limit:
        return Rejection(
            "max_loss_per_day",
            f"the day P&L of your {context.book} accounts together, {_rupees(book)}, has reached your max "
            f"loss per day {_rupees(limit)}: only orders that reduce a position are taken",
            book,
            limit,
        )
    return None


def book_of(account_id: str) -> str:
    """The book an account's day P&L is summed in for the user's loss limit: paper or real."""
    return "paper" if is_paper(account_id) else "real"


@dataclass(frozen=True)
class Snapshot:
    """One account's risk figures at a moment (the monitor's view)."""

    account_id: str
    realised: int  # realised today, net of charges (scaled)
    unrealised: int  # open positions at the last quote (scaled)
    positions: Mapping[str, Position]
    book_day_pnl: int | None = None  # the day P&L of the user's accounts of its book together

    @property
    def day_pnl(self) -> int:
        return self.realised + self.unrealised

    @property
    def exposure(self) -> int:
        """Gross value of the open positions."""
        return sum(p.value for p in self.positions.values())

    @property
    def concentration(self) -> tuple[str, int] | None:
        """The largest position: (instrument, share of exposure in basis points)."""
        if not self.positions or self.exposure == 0:
            return None
        instrument, largest = max(self.positions.items(), key=lambda item: (item[1].value, item[0]))
        return instrument, largest.value * 10_000 // self.exposure

    def context(self) -> Context:
        return Context(
            day_pnl=self.day_pnl,
            positions=self.positions,
            book_day_pnl=self.book_day_pnl,
            book=book_of(self.account_id),
        )


def breaches(limits: Limits, snapshot: Snapshot) -> list[Rejection]:
    """The limits an account's holdings breach now (one per rule; position value: the largest)."""
    found: list[Rejection] = []
    loss = _loss_rule(limits, OrderIntent("", "", "BUY", 0, 0), snapshot.context())
    if loss is not None:
        own = limits.max_loss_per_day is not None and snapshot.day_pnl <= -limits.max_loss_per_day
        found.append(
            replace(
                loss,
                message=f"day P&L {_rupees(snapshot.day_pnl)} of {snapshot.account_id} has reached its "
                f"max loss per day {_rupees(limits.max_loss_per_day or 0)}"
                if own
                else f"the day P&L of your {book_of(snapshot.account_id)} accounts together, "
                f"{_rupees(loss.value or 0)}, has reached your max loss per day {_rupees(loss.limit or 0)}",
            )
        )
    count = sum(1 for p in snapshot.positions.values() if p.quantity)
    if limits.max_open_positions is not None and count > limits.max_open_positions:
        found.append(
            Rejection(
                "max_open_positions",
                f"{snapshot.account_id} holds {count} open positions, over its limit "
                f"{limits.max_open_positions}",
                count,
                limits.max_open_positions,
            )
        )
    over = [
        (instrument, p.value)
        for instrument, p in snapshot.positions.items()
        if limits.max_position_value is not None and p.value > limits.max_position_value
    ]
    if over and limits.max_position_value is not None:
        instrument, value = max(over, key=lambda item: (item[1], item[0]))
        found.append(
            Rejection(
                "max_position_value",
                f"{instrument} position value {_rupees(value)} of {snapshot.account_id} is over its "
                f"limit {_rupees(limits.max_position_value)}",
                value,
                limits.max_position_value,
            )
        )
    return found
