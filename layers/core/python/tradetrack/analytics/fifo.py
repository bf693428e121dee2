"""The FIFO engine: executions (fills) of one instrument → round-trip trades, open lots, sales.

Fills are kept in books, and FIFO runs inside each book (a broker keeps products apart: an MIS
sell never closes a CNC holding):
- `intraday`: fills of an intraday product (MIS, Upstox I, BO, CO). Such a position is squared
  off by the broker the same day, so each IST day starts the book afresh: an MIS position is
  never carried forward.
- `delivery`: every other fill (CNC, NRML, MTF, no product).
With the equity rules (`equity=True`, segment EQ):
- the delivery fills of one IST day are netted first, as brokers' tax P&L and the tax law's
  speculation rule do: min(bought, sold) units of that day form the day's intraday round trips
  (FIFO within the day) in the `intraday` book of that day (trade ids end in `_i`); only the rest
  reaches the delivery book;
- the delivery book never goes short: overnight equity-delivery shorts do not exist in India.
  A delivery sell beyond the open lots is an *unmatched exit* (shares bought before the
  journal's data starts): excluded from P&L and reported, until an opening lot resolves it.
Opening lots (`Fill.opening`) enter FIFO before every fill. Corporate actions adjust the lots
held at their ex-date (tradetrack.analytics.adjustments).

Money is exact: prices and fees are integers scaled by 10^4 (tradetrack.money); quantities are
integer units. A lot carries its remaining cost (not a price), so a split or a cost
apportionment never rounds; a fill's fees are split across the lots it opens or closes in
proportion to quantity by integer division whose remainders go to the last part.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import attrgetter

from tradetrack.analytics.adjustments import Adjustment, SpawnedLot, apply_adjustment
from tradetrack.analytics.lots import (
    INTRADAY_PRODUCTS,
    Book,
    Direction,
    Fill,
    Lot,
    Realization,
    Side,
    Trade,
    UnmatchedExit,
    trade_id_for,
)
from tradetrack.analytics.parts import (
    Part,
    day_bounds,
    equity_parts,
    fill_day,
    netted_units,
    opening_parts,
    ordered,
    ordered_apart,
)

__all__ = [
    "INTRADAY_PRODUCTS",
    "Book",
    "Direction",
    "Fill",
    "Matched",
    "Side",
    "Trade",
    "UnmatchedExit",
    "match",
    "match_fills",
    "ordered",
    "trade_id_for",
]


@dataclass
class Matched:
    trades: list[Trade] = field(default_factory=list)
    unmatched: list[UnmatchedExit] = field(default_factory=list)
    # Lots a demerger moved to the new company, by action id (tradetrack.analytics.adjustments)
    spawned: dict[str, list[SpawnedLot]] = field(default_factory=dict)


_SCANNED = 16  # a trade's execution ids are looked up in its list up to this many, then in a set


class _BookState:
    __slots__ = ("current", "intraday", "short_allowed")

    def __init__(self, *, intraday: bool, short_allowed: bool) -> None:
        self.intraday, self.short_allowed = intraday, short_allowed
        self.current: Trade | None = None


class _Engine:
    """The books of one instrument. The hot path (add, _reduce) is written for speed: positional
    constructors, locals, no per-unit work; the money stays exact integers."""

    def __init__(self, *, equity: bool) -> None:
        self.result = Matched()
        self.delivery = _BookState(intraday=False, short_allowed=not equity)
        self.intraday: dict[tuple[date, str], _BookState] = {}

    def book(self, day: date, kind: str) -> _BookState:
        """The intraday book of a day: of intraday products ("product"), or of netted units."""
        state = self.intraday.get((day, kind))
        if state is None:
            state = self.intraday[day, kind] = _BookState(intraday=True, short_allowed=True)
        return state

    def add_part(self, part: Part) -> None:
        fill = part.fill
        if not part.netted and fill.product not in INTRADAY_PRODUCTS:
            state = self.delivery
        else:
            state = self.book(part.day or fill_day(fill), "netted" if part.netted else "product")
        suffix = "_i" if part.netted and part.split else ""
        self.add(state, fill, part.units, part.fees, suffix, part.cost, part.acquired_at)

    def add(
        self,
        state: _BookState,
        fill: Fill,
        units: int,
        fees: int,
        suffix: str = "",
        cost: int | None = None,
        acquired_at: datetime | None = None,
    ) -> None:
        """`units` of a fill (with `fees` of its fees) enter the book: they close the open trade's
        lots first when they are on its other side; the rest opens lots (`suffix` ends the id of a
        trade they open; `cost` and `acquired_at` when not price × units and the fill's time)."""
        trade = state.current
        buy = fill.side == "BUY"
        if trade is not None and (trade.direction == "LONG") is not buy:
            held = trade.held
            if units <= held:
                self._reduce(state, trade, fill, units, fees)
                return
            closing_fees = fees * held // units
            self._reduce(state, trade, fill, held, closing_fees)
            units, fees, trade = units - held, fees - closing_fees, None
        execution_id = fill.execution_id
        if trade is None:
            if not (buy or state.short_allowed):
                self.result.unmatched.append(
                    UnmatchedExit(fill.execution_id, units, fill.price, fill.executed_at)
                )
                return
            trade = state.current = Trade(
                "trd_" + execution_id.removeprefix("exe_") + suffix,  # trade_id_for, inline
                "LONG" if buy else "SHORT",
                fill.executed_at,
                "intraday" if state.intraday else "delivery",
            )
            self.result.trades.append(trade)
        if cost is None:
            cost = fill.price * units
        trade.lots.append(Lot(execution_id, units, cost, fees, acquired_at or fill.executed_at))
        trade.held += units
        trade.quantity += units
        trade.entry_value += cost
        trade.charges += fees
        ids, seen = trade.execution_ids, trade.seen
        if execution_id not in (ids if seen is None else seen):  # the fill's first part in the trade
            ids.append(execution_id)
            if seen is not None:
                seen.add(execution_id)
            elif len(ids) > _SCANNED:
                trade.seen = set(ids)
            if fill.product:
                trade.products.add(fill.product)
            if not fill.fees_given:
                trade.fees_given = False

    def _reduce(self, state: _BookState, trade: Trade, fill: Fill, quantity: int, fees: int) -> None:
        """Close `quantity` units of the trade's lots, oldest first; `fees` are the exit fees (the
        entry fees were counted when the lots opened), shared by units."""
        price, at, execution_id, intraday = fill.price, fill.executed_at, fill.execution_id, state.intraday
        long = trade.direction == "LONG"
        lots, realized = trade.lots, trade.realizations.append
        trade.charges += fees
        left, pnl_total = quantity, 0
        while left:
            lot = lots[0]
            held = lot.quantity
            if left >= held:  # the whole lot
                used, entry_fees, cost = held, lot.fees, lot.cost
                exit_fees = fees if used == left else fees * used // left
                lots.popleft()
            else:
                used, exit_fees = left, fees
                entry_fees, cost = lot.fees * used // held, lot.cost * used // held
                lot.quantity, lot.fees, lot.cost = held - used, lot.fees - entry_fees, lot.cost - cost
            fees -= exit_fees
            value = price * used
            pnl = value - cost if long else cost - value
            pnl_total += pnl
            realized(
                tuple.__new__(
                    Realization,
                    (
                        at,
                        lot.acquired_at,
                        used,
                        cost,
                        value,
                        pnl,
                        entry_fees + exit_fees,
                        intraday,
                        lot.execution_id,
                        execution_id,
                    ),
                )
            )
            left -= used
        trade.held -= quantity
        trade.exit_quantity += quantity
        trade.exit_value += price * quantity
        trade.realized_pnl += pnl_total
        ids, seen = trade.execution_ids, trade.seen
        if execution_id not in (ids if seen is None else seen):  # the fill's first part in the trade
            ids.append(execution_id)
            if seen is not None:
                seen.add(execution_id)
            elif len(ids) > _SCANNED:
                trade.seen = set(ids)
            if fill.product:
                trade.products.add(fill.product)
            if not fill.fees_given:
                trade.fees_given = False
        if not lots:
            trade.closed_at = at
            state.current = None

    def adjust(self, adjustment: Adjustment) -> None:
        if adjustment.kind == "expiry":
            self._expire(adjustment)
            return
        if self.delivery.current is not None:
            spawned = apply_adjustment(self.delivery.current, adjustment)
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

    def run(
        self, fills: Sequence[Fill], times: Sequence[datetime], pending: list[Adjustment], *, equity: bool
    ) -> None:
        """The (non-opening) fills in time order, one IST day at a time, adjustments as they fall
        due. Equity: a day's delivery fills are netted first (tradetrack.analytics.parts.equity_parts
        states the rule; this is it, inline, for speed — tests/unit/test_fifo_fast_equals_before.py).
        `times` are the fills' times."""
        add, delivery, count, start = self.add, self.delivery, len(fills), 0
        while start < count:
            day, day_end = day_bounds(fills[start].executed_at)
            end = bisect_left(times, day_end, start + 1)
            day_fills = fills[start:end]
            start = end
            left_buy = left_sell = netted_units(day_fills) if equity and len(day_fills) > 1 else 0
            product_book = netted_book = None
            for fill in day_fills:
                while pending and pending[0].effective_at <= fill.executed_at:
                    self.adjust(pending.pop(0))
                units, fees = fill.quantity, fill.fees
                if units <= 0:
                    _has_units(fill)
                if fill.product in INTRADAY_PRODUCTS:
                    add(product_book or (product_book := self.book(day, "product")), fill, units, fees)
                    continue
                netted = 0
                if left_buy and fill.side == "BUY":
                    netted = min(left_buy, units)
                    left_buy -= netted
                elif left_sell and fill.side == "SELL":
                    netted = min(left_sell, units)
                    left_sell -= netted
                if not netted:
                    add(delivery, fill, units, fees)
                    continue
                netted_book = netted_book or self.book(day, "netted")
                if netted == units:
                    add(netted_book, fill, units, fees)
                    continue
                netted_fees = fees * netted // units
                add(netted_book, fill, netted, netted_fees, "_i")
                add(delivery, fill, units - netted, fees - netted_fees)


def match_fills(
    fills: Iterable[Fill], *, equity: bool = False, adjustments: Sequence[Adjustment] = ()
) -> list[Trade]:
    """Every round trip of one instrument, oldest first; open ones are the position."""
    return match(fills, equity=equity, adjustments=adjustments).trades


def match(fills: Iterable[Fill], *, equity: bool = False, adjustments: Sequence[Adjustment] = ()) -> Matched:
    """Trades and unmatched exits of one instrument's fills (see the module's rules)."""
    opening, others, times = ordered_apart(fills)
    engine = _Engine(equity=equity)
    if opening:  # (without, run() refuses a fill of no units: the first in time order, as here)
        for fill in (*opening, *others):
            _has_units(fill)
        parts: list[Part] = []  # what a snapshot's units are compared with (opening_parts)
        if any(fill.snapshot for fill in opening):
            parts = equity_parts(others) if equity else [Part(f, f.quantity, f.fees) for f in others]
        for part in opening_parts(opening, parts):
            engine.add_part(part)
    pending = sorted(adjustments, key=_EFFECTIVE)
    engine.run(others, times, pending, equity=equity)
    for adjustment in pending:
        engine.adjust(adjustment)
    return engine.result


_EFFECTIVE = attrgetter("effective_at")


def _has_units(fill: Fill) -> None:
    if fill.quantity <= 0:
        raise ValueError(f"execution {fill.execution_id} has quantity {fill.quantity}")
