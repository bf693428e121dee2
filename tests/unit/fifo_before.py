"""The FIFO engine as it was before it was made fast (issue #14, item 5): tradetrack.analytics.fifo
at aa4ca56, its rules written plainly (a Part per fill, per-fill book lookups and days, keyword
constructors). A test oracle only: tests/unit/test_fifo_fast_equals_before.py checks that the
engine gives exactly what this gave, on any fills."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, cast

from tradetrack.analytics.adjustments import Adjustment, SpawnedLot, apply_adjustment
from tradetrack.analytics.fifo import UnmatchedExit
from tradetrack.analytics.lots import INTRADAY_PRODUCTS, Fill, Lot, Realization, share
from tradetrack.analytics.parts import Part, equity_parts, fill_day, opening_parts

Direction = Literal["LONG", "SHORT"]
Book = Literal["delivery", "intraday"]


@dataclass
class Trade:
    trade_id: str
    direction: Direction
    opened_at: datetime
    book: Book = "delivery"
    products: set[str] = field(default_factory=set)
    execution_ids: list[str] = field(default_factory=list)
    quantity: int = 0  # units opened (adjusted by splits and bonuses)
    entry_value: int = 0  # Σ price × units opened (scaled)
    exit_quantity: int = 0
    exit_value: int = 0
    realized_pnl: int = 0  # gross, before charges (scaled)
    charges: int = 0  # entry fees of the closed units + exit fees (+ open lots' entry fees)
    fees_given: bool = True  # every fill of the trade carried its fees
    closed_at: datetime | None = None
    lots: deque[Lot] = field(default_factory=deque)
    realizations: list[Realization] = field(default_factory=list)
    held: int = 0  # Σ units of `lots`, kept as they change (the engine's hot path reads it)
    seen: set[str] = field(default_factory=set, repr=False)  # execution_ids, for membership

    @property
    def open_quantity(self) -> int:
        return self.held

    @property
    def open_cost(self) -> int:
        return sum(lot.cost for lot in self.lots)

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass
class Matched:
    trades: list[Trade] = field(default_factory=list)
    unmatched: list[UnmatchedExit] = field(default_factory=list)
    spawned: dict[str, list[SpawnedLot]] = field(default_factory=dict)


def ordered(fills: Iterable[Fill]) -> list[Fill]:
    """Opening lots first (by acquisition), then fills by time."""
    return sorted(fills, key=lambda f: (not f.opening, f.executed_at, f.sort_key, f.execution_id))


@dataclass
class _BookState:
    book: Book
    short_allowed: bool
    current: Trade | None = None


class _Engine:
    def __init__(self, *, equity: bool) -> None:
        self.equity = equity
        self.result = Matched()
        self.delivery = _BookState("delivery", short_allowed=not equity)
        self.intraday: dict[tuple[object, str], _BookState] = {}

    def book_for(self, part: Part) -> _BookState:
        fill, netted = part.fill, part.netted
        if not netted and fill.product not in INTRADAY_PRODUCTS:
            return self.delivery
        key = (part.day or fill_day(fill), "netted" if netted else "product")
        if key not in self.intraday:
            self.intraday[key] = _BookState("intraday", short_allowed=True)
        return self.intraday[key]

    def add(self, state: _BookState, part: Part) -> None:
        """A part of a fill enters the book."""
        fill, quantity, fees = part.fill, part.units, part.fees
        trade = state.current
        if trade is not None and (trade.direction == "LONG") != (fill.side == "BUY"):
            closing = min(quantity, trade.open_quantity)
            closing_fees = share(fees, closing, quantity)
            self._reduce(state, trade, fill, closing, closing_fees)
            quantity, fees = quantity - closing, fees - closing_fees
            if not quantity:
                return
        if state.current is None:
            if fill.side == "SELL" and not state.short_allowed:
                self.result.unmatched.append(
                    UnmatchedExit(fill.execution_id, quantity, fill.price, fill.executed_at)
                )
                return
            state.current = Trade(
                trade_id=part.trade_id,
                direction="LONG" if fill.side == "BUY" else "SHORT",
                opened_at=fill.executed_at,
                book=state.book,
            )
            self.result.trades.append(state.current)
        trade = state.current
        cost = fill.price * quantity if part.cost is None else part.cost
        trade.lots.append(Lot(fill.execution_id, quantity, cost, fees, part.acquired_at or fill.executed_at))
        trade.held += quantity
        trade.quantity += quantity
        trade.entry_value += cost
        trade.charges += fees
        _touch(trade, fill)

    def _reduce(self, state: _BookState, trade: Trade, fill: Fill, quantity: int, fees: int) -> None:
        """Close `quantity` units of the trade's lots, oldest first."""
        sign = 1 if trade.direction == "LONG" else -1
        trade.charges += fees  # the exit fees (the entry fees were counted when the lots opened)
        left = quantity
        while left:
            lot = trade.lots[0]
            used = min(left, lot.quantity)
            exit_fees = share(fees, used, left)
            fees -= exit_fees
            entry_fees = share(lot.fees, used, lot.quantity)
            cost = share(lot.cost, used, lot.quantity)
            lot.fees, lot.cost, lot.quantity = lot.fees - entry_fees, lot.cost - cost, lot.quantity - used
            pnl = sign * (fill.price * used - cost)
            trade.realized_pnl += pnl
            trade.realizations.append(
                Realization(
                    at=fill.executed_at,
                    acquired_at=lot.acquired_at,
                    quantity=used,
                    entry_value=cost,
                    exit_value=fill.price * used,
                    pnl=pnl,
                    fees=entry_fees + exit_fees,
                    intraday=trade.book == "intraday",
                    entry_execution_id=lot.execution_id,
                    exit_execution_id=fill.execution_id,
                )
            )
            left -= used
            if lot.quantity == 0:
                trade.lots.popleft()
        trade.held -= quantity
        trade.exit_quantity += quantity
        trade.exit_value += fill.price * quantity
        _touch(trade, fill)
        if not trade.lots:
            trade.closed_at = fill.executed_at
            state.current = None

    def adjust(self, adjustment: Adjustment) -> None:
        if adjustment.kind == "expiry":
            self._expire(adjustment)
            return
        if self.delivery.current is not None:
            spawned = apply_adjustment(cast(Any, self.delivery.current), adjustment)
            self.delivery.current.held = sum(lot.quantity for lot in self.delivery.current.lots)
            if spawned:
                self.result.spawned.setdefault(adjustment.action_id, []).extend(spawned)

    def _expire(self, adjustment: Adjustment) -> None:
        """Close every open position of the contract at its settlement price."""
        assert adjustment.price is not None
        for state in [self.delivery, *self.intraday.values()]:
            trade = state.current
            if trade is None:
                continue
            settle = Fill(
                execution_id=adjustment.action_id,
                side="SELL" if trade.direction == "LONG" else "BUY",
                quantity=trade.open_quantity,
                price=adjustment.price,
                fees=0,
                executed_at=adjustment.effective_at,
                sort_key="~expiry",
            )
            self._reduce(state, trade, settle, settle.quantity, 0)


def _touch(trade: Trade, fill: Fill) -> None:
    execution_id = fill.execution_id
    if execution_id not in trade.seen:
        trade.seen.add(execution_id)
        trade.execution_ids.append(execution_id)
        if fill.product:
            trade.products.add(fill.product)
        if not fill.fees_given:
            trade.fees_given = False


def match_fills(
    fills: Iterable[Fill], *, equity: bool = False, adjustments: Sequence[Adjustment] = ()
) -> list[Trade]:
    """Every round trip of one instrument, oldest first; open ones are the position."""
    return match(fills, equity=equity, adjustments=adjustments).trades


def match(fills: Iterable[Fill], *, equity: bool = False, adjustments: Sequence[Adjustment] = ()) -> Matched:
    """Trades and unmatched exits of one instrument's fills (see the module's rules)."""
    engine = _Engine(equity=equity)
    all_fills = ordered(fills)
    for fill in all_fills:
        if fill.quantity <= 0:
            raise ValueError(f"execution {fill.execution_id} has quantity {fill.quantity}")
    opening = [f for f in all_fills if f.opening]
    others = [f for f in all_fills if not f.opening]
    parts = equity_parts(others) if equity else [Part(f, f.quantity, f.fees) for f in others]
    for part in opening_parts(opening, parts):
        engine.add(engine.book_for(part), part)
    pending = sorted(adjustments, key=lambda a: a.effective_at)
    for part in parts:
        while pending and pending[0].effective_at <= part.fill.executed_at:
            engine.adjust(pending.pop(0))
        engine.add(engine.book_for(part), part)
    for adjustment in pending:
        engine.adjust(adjustment)
    return engine.result
