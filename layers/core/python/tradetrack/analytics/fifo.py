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
held at their ex-date (tradetrack.analytics.adjustments). The books are tradetrack.analytics.books.

Money is exact: prices and fees are integers scaled by 10^4 (tradetrack.money); quantities are
integer units. A lot carries its remaining cost (not a price), so a split or a cost
apportionment never rounds; a fill's fees are split across the lots it opens or closes in
proportion to quantity by integer division whose remainders go to the last part.

Speed (issue #14; tests/bench/test_fifo_bench.py): fills are sorted by time alone, then ties; the
IST day is found once per day; the fills of a day go to their books without an object per part
(parts.py's Part is for opening lots); constructors are positional and a Realization is a named
tuple. Memory is time here (a run's pages are new pages): a trade's lots are a list (a deque
carries a 528-byte block; the lots a fill closes leave in one slice), trades share one frozenset per
product, and a day's intraday books are kept past the day only while a trade is open in them.
tests/unit/test_fifo_fast_equals_before.py holds it to the engine as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import attrgetter

from tradetrack.analytics.adjustments import Adjustment
from tradetrack.analytics.books import Engine, Matched, has_units
from tradetrack.analytics.lots import (
    INTRADAY_PRODUCTS,
    Book,
    Direction,
    Fill,
    Side,
    Trade,
    UnmatchedExit,
    trade_id_for,
)
from tradetrack.analytics.parts import Part, equity_parts, opening_parts, ordered, ordered_apart

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


def match_fills(
    fills: Iterable[Fill], *, equity: bool = False, adjustments: Sequence[Adjustment] = ()
) -> list[Trade]:
    """Every round trip of one instrument, oldest first; open ones are the position."""
    return match(fills, equity=equity, adjustments=adjustments).trades


def match(fills: Iterable[Fill], *, equity: bool = False, adjustments: Sequence[Adjustment] = ()) -> Matched:
    """Trades and unmatched exits of one instrument's fills (see the module's rules)."""
    opening, others, times = ordered_apart(fills)
    engine = Engine(equity=equity)
    if opening:  # (without, run() refuses a fill of no units: the first in time order, as here)
        for fill in (*opening, *others):
            has_units(fill)
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
