"""The FIFO engine against a plain reference (`make bench`, issue #14 item 5): 1,000,000 fills over
200 instruments, goal engine time <= 1.2 x reference time, results identical.

Input: already-built `Fill` objects (what tradetrack.derive hands the engine), per instrument,
shuffled (storage order is not time order). Both sides start from these lists: the engine through
`tradetrack.analytics.fifo.match` (what derive calls for a pair's fills), the reference through
`reference()` below; both sort the fills themselves. Both run with the cyclic garbage collector
paused, as derive runs the engine, back to back in each round, taking turns to go first. Timed in
CPU seconds of this process (time.process_time): the machine is shared, and wall time there
measures the neighbours; the wall-clock figures are recorded too (extra_info).

The fills: 160 equity instruments (segment EQ: `equity=True`) and 40 derivatives (`equity=False`)
over ~4 years of IST trading days; per day, intraday (MIS) round trips with partial fills, delivery
(CNC / NRML) buys and sells, same-day delivery buys and sells (netted into the day's intraday
book), equity delivery sells beyond the holding (unmatched exits: shares bought before the data),
derivative delivery shorts and flips; prices in paise, the derivatives' in 4 decimals; fees in 4
decimals. No opening lots and no corporate actions: the rules the reference implements are then
the whole story, and it implements all of them:
- books: `delivery`, and per IST day an intraday book of intraday products and one of netted units;
- equity same-day netting: on each IST day the first min(bought, sold) delivery units bought and
  as many sold go to that day's netted book, fees shared by units (integer division, the rest to
  the other part);
- FIFO per book: a fill against the open direction closes the oldest lots first (its fees shared
  by closed units, the rest with the units it opens); what is left opens lots (a flip);
- equity delivery never short: a sell beyond the open lots is an unmatched exit.
Money is integers scaled by 10^4 (no Decimal); a lot carries its price, so a closed part's entry
value is price x units (the engine carries the lot's remaining cost: the same integer).

Compared exactly: every realization (exit and entry execution, units, entry and exit value, P&L,
fees, book), every open lot (execution, units, cost, fees, book) and every unmatched exit.
"""

from __future__ import annotations

import gc
import random
import statistics
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tradetrack.analytics.fifo import Fill, Matched, Side, match

pytestmark = pytest.mark.bench

FILLS = 1_000_000
INSTRUMENTS = 200
EQUITY_INSTRUMENTS = 160
ROUNDS = 5
GOAL_RATIO = 1.2
FIRST_DAY = date(2021, 1, 4)
IST = timedelta(hours=5, minutes=30)
INTRADAY = frozenset({"MIS", "I", "BO", "CO"})

# (exit execution, entry execution, units, entry value, exit value, pnl, fees, intraday)
RealizationRow = tuple[str, str, int, int, int, int, int, bool]
LotRow = tuple[str, int, int, int, bool]  # (execution, units, cost, fees, intraday)
UnmatchedRow = tuple[str, int, int, datetime]  # (execution, units, price, at)


@dataclass
class Outcome:
    realizations: list[RealizationRow] = field(default_factory=list)
    unmatched: list[UnmatchedRow] = field(default_factory=list)
    lots: list[LotRow] = field(default_factory=list)

    def canonical(self) -> tuple[list[RealizationRow], list[UnmatchedRow], list[LotRow]]:
        return sorted(self.realizations), sorted(self.unmatched), sorted(self.lots)


# ---- the fills ------------------------------------------------------------------------------------


def instrument_fills(index: int, count: int, rng: random.Random) -> list[Fill]:
    """One instrument's fills, day by day, in storage (shuffled) order."""
    equity = index < EQUITY_INSTRUMENTS
    delivery_product = "CNC" if equity else "NRML"
    tick = 100 if equity else 25  # paise; the derivatives: 4 decimals (₹0.0025)
    price = rng.randint(20_0000, 4000_0000) // tick * tick
    held = 0  # delivery units (signed for derivatives)
    day = FIRST_DAY + timedelta(days=rng.randint(0, 30))
    fills: list[Fill] = []
    serial = 0

    def add(side: Side, units: int, product: str, at: datetime, move: bool = True) -> None:
        nonlocal price, serial
        if move:
            price = max(tick, (price + rng.randint(-price // 100, price // 100)) // tick * tick)
        serial += 1
        fills.append(
            Fill(
                execution_id=f"exe_{index:03d}_{serial:07d}",
                side=side,
                quantity=units,
                price=price,
                fees=rng.randint(0, 40_0000),
                executed_at=at,
                product=product,
                sort_key=f"zerodha:NSE:{day.isoformat()}:{serial:024d}",
            )
        )

    while len(fills) < count:
        day += timedelta(days=rng.choice((1, 1, 1, 1, 2, 3)))
        moment = datetime(day.year, day.month, day.day, 3, 45, tzinfo=UTC)  # 09:15 IST
        for _ in range(rng.randint(1, 4)):
            moment += timedelta(minutes=rng.randint(1, 60), seconds=rng.randint(0, 59))
            roll = rng.random()
            if roll < 0.45:  # an intraday round trip: entry (maybe in two fills), exits later today
                side: Side = rng.choice(("BUY", "SELL"))
                other: Side = "SELL" if side == "BUY" else "BUY"
                units = rng.randint(1, 500)
                if rng.random() < 0.3:  # partly filled at the same second
                    first = rng.randint(1, units)
                    add(side, first, "MIS", moment)
                    if units > first:
                        add(side, units - first, "MIS", moment, move=False)
                else:
                    add(side, units, "MIS", moment)
                out = units if rng.random() < 0.98 else rng.randint(1, units)  # rarely left open
                while out:
                    moment += timedelta(minutes=rng.randint(1, 30))
                    part = out if rng.random() < 0.7 else rng.randint(1, out)
                    add(other, part, "MIS", moment)
                    out -= part
            elif roll < 0.75 or (equity and held <= 0):  # a delivery buy
                units = rng.randint(1, 400)
                add("BUY", units, delivery_product, moment)
                held += units
            else:  # a delivery sell: part of the holding, rarely beyond it; derivatives go short
                if equity:
                    units = rng.randint(1, held) if rng.random() < 0.97 else held + rng.randint(1, 50)
                    held = max(0, held - units)
                else:
                    units = rng.randint(1, 400)
                    held -= units
                add("SELL", units, delivery_product, moment)
    del fills[count:]
    rng.shuffle(fills)
    return fills


def all_fills(seed: int = 14) -> list[list[Fill]]:
    rng = random.Random(seed)
    per = FILLS // INSTRUMENTS
    return [instrument_fills(i, per, rng) for i in range(INSTRUMENTS)]


# ---- the reference --------------------------------------------------------------------------------


def reference(fills: list[Fill], *, equity: bool) -> Outcome:
    """Plain FIFO over one instrument's fills (their times in UTC): a deque of [execution, units,
    price, fees] per book."""
    out = Outcome()
    realizations, unmatched = out.realizations, out.unmatched
    books: dict[object, list[Any]] = {}  # book → [direction (+1 long, -1 short, 0 flat), units, lots]

    def enter(key: object, fill: Fill, units: int, fees: int, short_allowed: bool) -> None:
        book = books.get(key)
        if book is None:
            book = books[key] = [0, 0, deque()]
        sign = 1 if fill.side == "BUY" else -1
        if book[0] == -sign:  # closes the oldest lots first
            lots = book[2]
            closing = min(units, book[1])
            closing_fees = fees if closing == units else fees * closing // units
            units, fees = units - closing, fees - closing_fees
            book[1] -= closing
            intraday = key != "delivery"
            while closing:
                lot = lots[0]
                used = min(closing, lot[1])
                exit_fees = closing_fees if used == closing else closing_fees * used // closing
                entry_fees = lot[3] if used == lot[1] else lot[3] * used // lot[1]
                closing_fees -= exit_fees
                entry, exit_ = lot[2] * used, fill.price * used
                realizations.append(
                    (
                        fill.execution_id,
                        lot[0],
                        used,
                        entry,
                        exit_,
                        book[0] * (exit_ - entry),
                        entry_fees + exit_fees,
                        intraday,
                    )
                )
                closing -= used
                if used == lot[1]:
                    lots.popleft()
                else:
                    lot[1] -= used
                    lot[3] -= entry_fees
            if not lots:
                book[0] = 0
            if not units:
                return
        if book[0] == 0:
            if sign < 0 and not short_allowed:
                unmatched.append((fill.execution_id, units, fill.price, fill.executed_at))
                return
            book[0] = sign
        book[2].append([fill.execution_id, units, fill.price, fees])
        book[1] += units

    ordered = sorted(fills, key=lambda f: (f.executed_at, f.sort_key, f.execution_id))
    start = 0
    while start < len(ordered):  # one IST day at a time
        day = (ordered[start].executed_at + IST).date()
        end = start + 1
        while end < len(ordered) and (ordered[end].executed_at + IST).date() == day:
            end += 1
        left = {"BUY": 0, "SELL": 0}
        if equity:
            for fill in ordered[start:end]:
                if fill.product not in INTRADAY:
                    left[fill.side] += fill.quantity
            left["BUY"] = left["SELL"] = min(left["BUY"], left["SELL"])
        for fill in ordered[start:end]:
            if fill.product in INTRADAY:
                enter(("product", day), fill, fill.quantity, fill.fees, True)
                continue
            netted = min(left[fill.side], fill.quantity)
            fees = fill.fees
            if netted:
                left[fill.side] -= netted
                netted_fees = fees if netted == fill.quantity else fees * netted // fill.quantity
                enter(("netted", day), fill, netted, netted_fees, True)
                fees -= netted_fees
            if fill.quantity > netted:
                enter("delivery", fill, fill.quantity - netted, fees, not equity)
        start = end
    out.lots = [
        (lot[0], lot[1], lot[2] * lot[1], lot[3], key != "delivery")
        for key, book in books.items()
        for lot in book[2]
    ]
    return out


def engine_outcome(matched: Matched) -> Outcome:
    """The engine's result in the reference's terms."""
    out = Outcome()
    for trade in matched.trades:
        intraday = trade.book == "intraday"
        out.realizations.extend(
            (
                r.exit_execution_id,
                r.entry_execution_id,
                r.quantity,
                r.entry_value,
                r.exit_value,
                r.pnl,
                r.fees,
                r.intraday,
            )
            for r in trade.realizations
        )
        out.lots.extend((lot.execution_id, lot.quantity, lot.cost, lot.fees, intraday) for lot in trade.lots)
    out.unmatched = [(u.execution_id, u.quantity, u.price, u.executed_at) for u in matched.unmatched]
    return out


@contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def test_fifo_engine_within_1_2x_of_a_plain_reference_on_1m_fills(benchmark: Any) -> None:
    # Given 1,000,000 fills over 200 instruments (160 equity, 40 derivatives)
    books = all_fills()
    assert sum(len(book) for book in books) == FILLS
    equity = [i < EQUITY_INSTRUMENTS for i in range(INSTRUMENTS)]
    engine_s: list[float] = []  # CPU seconds
    reference_s: list[float] = []
    engine_wall: list[float] = []
    reference_wall: list[float] = []

    def run_engine() -> list[Matched]:
        return [match(book, equity=eq) for book, eq in zip(books, equity, strict=True)]

    def run_reference() -> list[Outcome]:
        return [reference(book, equity=eq) for book, eq in zip(books, equity, strict=True)]

    def timed(run: Any, cpu: list[float], wall: list[float]) -> None:
        started, wall_started = time.process_time(), time.perf_counter()
        result = run()
        cpu.append(time.process_time() - started)
        wall.append(time.perf_counter() - wall_started)
        del result  # freed before the other one runs, outside the timed part

    def one_round() -> None:  # both, back to back (first one, then the other), on the same load
        with _gc_paused():
            pair = [(run_reference, reference_s, reference_wall), (run_engine, engine_s, engine_wall)]
            for run, cpu, wall in pair if len(engine_s) % 2 else reversed(pair):
                timed(run, cpu, wall)

    # When both run over them, a few rounds each
    benchmark.pedantic(one_round, rounds=ROUNDS, warmup_rounds=1)

    # Then the results are identical
    engine = [engine_outcome(m) for m in run_engine()]
    expected = run_reference()
    realizations = sum(len(o.realizations) for o in expected)
    unmatched = sum(len(o.unmatched) for o in expected)
    open_lots = sum(len(o.lots) for o in expected)
    assert realizations > FILLS // 2 and unmatched > 100 and open_lots > INSTRUMENTS
    for got, want in zip(engine, expected, strict=True):
        assert got.canonical() == want.canonical()
    # And the engine is within 1.2 x the reference (medians of the measured rounds)
    engine_median = statistics.median(engine_s[-ROUNDS:])
    reference_median = statistics.median(reference_s[-ROUNDS:])
    ratio = engine_median / reference_median
    met = ratio <= GOAL_RATIO
    # each round's ratio (its engine and reference ran back to back): how steady the figure is
    rounds = sorted(e / r for e, r in zip(engine_s[-ROUNDS:], reference_s[-ROUNDS:], strict=True))
    benchmark.extra_info.update(
        {
            "fills": FILLS,
            "instruments": INSTRUMENTS,
            "realizations": realizations,
            "engineCpuSeconds": round(engine_median, 3),
            "referenceCpuSeconds": round(reference_median, 3),
            "engineWallSeconds": round(statistics.median(engine_wall[-ROUNDS:]), 3),
            "referenceWallSeconds": round(statistics.median(reference_wall[-ROUNDS:]), 3),
            "ratio": round(ratio, 3),
            "roundRatios": [round(r, 3) for r in rounds],
            "goal": f"ratio <= {GOAL_RATIO}",
        }
    )
    print(
        f"\nFIFO over {FILLS:,} fills, {INSTRUMENTS} instruments ({realizations:,} realizations): "
        f"engine median {engine_median:.3f} s, reference median {reference_median:.3f} s (CPU), "
        f"ratio {ratio:.2f} (rounds {rounds[0]:.2f}-{rounds[-1]:.2f}), goal <= {GOAL_RATIO}: "
        f"{'met' if met else 'NOT met'}"
    )
    assert met, f"the engine took {ratio:.2f} x the reference (goal {GOAL_RATIO})"
