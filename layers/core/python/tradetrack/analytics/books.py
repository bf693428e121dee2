"""The FIFO engine's books and how fills enter them: the rules are tradetrack.analytics.fifo's."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from tradetrack.analytics.adjustments import Adjustment, SpawnedLot, apply_adjustment
from tradetrack.analytics.lots import INTRADAY_PRODUCTS, Fill, Lot, Realization, Trade, UnmatchedExit
from tradetrack.analytics.parts import IST_MIDNIGHT_IN_UTC, Part, day_bounds, fill_day, netted_units
from tradetrack.timeutil import IST_OFFSET


@dataclass
class Matched:
    trades: list[Trade] = field(default_factory=list)
    unmatched: list[UnmatchedExit] = field(default_factory=list)
    # Lots a demerger moved to the new company, by action id (tradetrack.analytics.adjustments)
    spawned: dict[str, list[SpawnedLot]] = field(default_factory=dict)


_SCANNED = 16  # a trade's execution ids are looked up in its list up to this many, then in a set


class BookState:
    __slots__ = ("current", "intraday", "short_allowed")

    def __init__(self, *, intraday: bool, short_allowed: bool) -> None:
        self.intraday, self.short_allowed = intraday, short_allowed
        self.current: Trade | None = None


class Engine:
    """The books of one instrument. The hot path (add, _reduce) is written for speed: positional
    constructors, locals, no per-unit work; the money stays exact integers."""

    def __init__(self, *, equity: bool) -> None:
        self.result = Matched()
        self.delivery = BookState(intraday=False, short_allowed=not equity)
        self.intraday: dict[tuple[date, str], BookState] = {}

    def book(self, day: date, kind: str) -> BookState:
        """The intraday book of a day: of intraday products ("product"), or of netted units."""
        state = self.intraday.get((day, kind))
        if state is None:
            state = self.intraday[day, kind] = BookState(intraday=True, short_allowed=True)
        return state

    def keep_open(self, day: date, product: BookState | None, netted: BookState | None) -> None:
        """A day's intraday books as run() leaves the day: kept (for an expiry) while a trade is open
        in them; a book without one is never read again."""
        if product is not None and product.current is not None:
            self.intraday[day, "product"] = product
        if netted is not None and netted.current is not None:
            self.intraday[day, "netted"] = netted

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
        state: BookState,
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
            product = fill.product
            if product and product not in trade.products:
                trade.products = trade.products | {product}
            if not fill.fees_given:
                trade.fees_given = False

    def _reduce(self, state: BookState, trade: Trade, fill: Fill, quantity: int, fees: int) -> None:
        """Close `quantity` units of the trade's lots, oldest first; `fees` are the exit fees (the
        entry fees were counted when the lots opened), shared by units."""
        price, at, execution_id, intraday = fill.price, fill.executed_at, fill.execution_id, state.intraday
        long = trade.direction == "LONG"
        lots, realized = trade.lots, trade.realizations.append
        trade.charges += fees
        left, pnl_total, whole = quantity, 0, 0
        while left:
            lot = lots[whole]
            held = lot.quantity
            if left >= held:  # the whole lot
                used, entry_fees, cost = held, lot.fees, lot.cost
                exit_fees = fees if used == left else fees * used // left
                whole += 1
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
        if whole:
            del lots[:whole]
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
            product = fill.product
            if product and product not in trade.products:
                trade.products = trade.products | {product}
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

    def run(  # noqa: PLR0912, PLR0915 - the hot loop, inlined for speed (docs: tests/bench/test_fifo_bench.py)
        self, fills: Sequence[Fill], times: Sequence[datetime], pending: list[Adjustment], *, equity: bool
    ) -> None:
        """The (non-opening) fills in time order, one IST day at a time, adjustments as they fall
        due. Equity: a day's delivery fills are netted first (tradetrack.analytics.parts.equity_parts
        states the rule; this is it, inline, for speed — tests/unit/test_fifo_fast_equals_before.py).
        `times` are the fills' times. The common case of add() and _reduce() (a fill whose units
        enter one book, opening or closing without a flip) is written out here: no call per fill."""
        add, delivery, count, start = self.add, self.delivery, len(fills), 0
        new_tuple, new_object, lot_type, trade_type = tuple.__new__, object.__new__, Lot, Trade
        opened, unmatched = self.result.trades.append, self.result.unmatched.append
        books, combine, utc, midnight = self.intraday, datetime.combine, UTC, time()
        product_sets: dict[str | None, frozenset[str]] = {}
        book_type = BookState
        while start < count:
            moment = fills[start].executed_at
            if moment.tzinfo is utc:  # day_bounds(moment), inline for the stored (UTC) times
                day = (moment + IST_OFFSET).date()
                day_end = combine(day, midnight, utc) + IST_MIDNIGHT_IN_UTC
            else:
                day, day_end = day_bounds(moment)
            end = start + 8  # most days have a few fills: a short bisection when the day ends early
            if end < count and times[end] < day_end:
                end = bisect_left(times, day_end, end + 1)
            else:
                end = bisect_left(times, day_end, start + 1, min(end, count))
            day_fills = fills[start:end]
            start = end
            left_buy = left_sell = netted_units(day_fills) if equity and len(day_fills) > 1 else 0
            product_book = netted_book = None
            for fill in day_fills:
                if pending:
                    while pending and pending[0].effective_at <= fill.executed_at:
                        self.keep_open(day, product_book, netted_book)  # an expiry closes them too
                        self.adjust(pending.pop(0))
                units, fees, side = fill.quantity, fill.fees, fill.side
                if units <= 0:
                    has_units(fill)
                if fill.product in INTRADAY_PRODUCTS:
                    if product_book is None:  # the day's book (an opening lot's, or a new one)
                        product_book = books.get((day, "product"))
                        if product_book is None:  # BookState(intraday=True, short_allowed=True)
                            product_book = new_object(book_type)
                            product_book.current, product_book.intraday, product_book.short_allowed = (
                                None,
                                True,
                                True,
                            )
                    state = product_book
                else:
                    netted = 0
                    if left_buy and side == "BUY":
                        netted = min(left_buy, units)
                        left_buy -= netted
                    elif left_sell and side == "SELL":
                        netted = min(left_sell, units)
                        left_sell -= netted
                    if not netted:
                        state = delivery
                    else:
                        if netted_book is None:
                            netted_book = books.get((day, "netted"))
                            if netted_book is None:
                                netted_book = new_object(book_type)
                                netted_book.current, netted_book.intraday, netted_book.short_allowed = (
                                    None,
                                    True,
                                    True,
                                )
                        if netted == units:
                            state = netted_book
                        else:
                            netted_fees = fees * netted // units
                            add(netted_book, fill, netted, netted_fees, "_i")
                            add(delivery, fill, units - netted, fees - netted_fees)
                            continue
                # add(state, fill, units, fees), inline
                trade, execution_id = state.current, fill.execution_id
                if trade is None:  # opens a trade (or an unmatched exit)
                    buy = side == "BUY"
                    if not (buy or state.short_allowed):
                        unmatched(UnmatchedExit(execution_id, units, fill.price, fill.executed_at))
                        continue
                    at, cost, product = fill.executed_at, fill.price * units, fill.product
                    lot = new_object(lot_type)  # Lot(execution_id, units, cost, fees, at), without a call
                    lot.execution_id = execution_id
                    lot.quantity = units
                    lot.cost = cost
                    lot.fees = fees
                    lot.acquired_at = at
                    # Trade(...) with the lot and the fill's bookkeeping, its fields written out
                    trade = state.current = new_object(trade_type)
                    trade.trade_id = "trd_" + execution_id.removeprefix("exe_")  # trade_id_for, inline
                    trade.direction = "LONG" if buy else "SHORT"
                    trade.opened_at = at
                    trade.book = "intraday" if state.intraday else "delivery"
                    products = product_sets.get(product)
                    if products is None:
                        products = product_sets[product] = frozenset((product,) if product else ())
                    trade.products = products
                    trade.execution_ids = [execution_id]
                    trade.seen = None
                    trade.quantity = trade.held = units
                    trade.entry_value = cost
                    trade.exit_quantity = trade.exit_value = trade.realized_pnl = 0
                    trade.charges = fees
                    trade.fees_given = True
                    if not fill.fees_given:
                        trade.fees_given = False
                    trade.closed_at = None
                    trade.lots = [lot]
                    trade.realizations = []
                    opened(trade)
                    continue
                if (trade.direction == "LONG") is (side == "BUY"):  # more lots of the open trade
                    cost = fill.price * units
                    lot = new_object(lot_type)
                    lot.execution_id = execution_id
                    lot.quantity = units
                    lot.cost = cost
                    lot.fees = fees
                    lot.acquired_at = fill.executed_at
                    trade.lots.append(lot)
                    trade.held += units
                    trade.quantity += units
                    trade.entry_value += cost
                    trade.charges += fees
                elif units > trade.held:  # a flip
                    add(state, fill, units, fees)
                    continue
                else:  # _reduce(state, trade, fill, units, fees), inline
                    price, at, intraday = fill.price, fill.executed_at, state.intraday
                    long = trade.direction == "LONG"
                    lots, realized = trade.lots, trade.realizations.append
                    trade.charges += fees
                    left, pnl_total, whole = units, 0, 0
                    while left:
                        lot = lots[whole]
                        held = lot.quantity
                        if left >= held:  # the whole lot
                            used, entry_fees, cost = held, lot.fees, lot.cost
                            exit_fees = fees if used == left else fees * used // left
                            whole += 1
                        else:
                            used, exit_fees = left, fees
                            entry_fees, cost = lot.fees * used // held, lot.cost * used // held
                            lot.quantity = held - used
                            lot.fees -= entry_fees
                            lot.cost -= cost
                        fees -= exit_fees
                        value = price * used
                        pnl = value - cost if long else cost - value
                        pnl_total += pnl
                        realized(
                            new_tuple(
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
                    if whole:
                        del lots[:whole]
                    trade.held -= units
                    trade.exit_quantity += units
                    trade.exit_value += price * units
                    trade.realized_pnl += pnl_total
                    if not lots:
                        trade.closed_at = at
                        state.current = None
                ids, seen = trade.execution_ids, trade.seen
                if execution_id not in (ids if seen is None else seen):  # the fill's first part in it
                    ids.append(execution_id)
                    if seen is not None:
                        seen.add(execution_id)
                    elif len(ids) > _SCANNED:
                        trade.seen = set(ids)
                    product = fill.product
                    if product and product not in trade.products:
                        trade.products = trade.products | {product}
                    if not fill.fees_given:
                        trade.fees_given = False
            if product_book is not None or netted_book is not None:
                self.keep_open(day, product_book, netted_book)


def has_units(fill: Fill) -> None:
    if fill.quantity <= 0:
        raise ValueError(f"execution {fill.execution_id} has quantity {fill.quantity}")
