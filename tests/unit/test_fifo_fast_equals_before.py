"""The fast FIFO engine gives exactly what it gave before it was made fast (issue #14, item 5), and
what the benchmark's plain reference gives (hypothesis, any fills).

tests/unit/fifo_before.py is the engine as it was; tests/bench/test_fifo_bench.py's `reference` is
a plain deque-per-book FIFO of the same rules (without opening lots and corporate actions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.bench.test_fifo_bench import engine_outcome, reference
from tests.unit import fifo_before
from tradetrack.analytics.adjustments import Adjustment, AdjustmentKind
from tradetrack.analytics.fifo import Fill, match
from tradetrack.timeutil import IST

T0 = datetime(2026, 1, 5, 3, 45, tzinfo=UTC)  # 09:15 IST, a Monday
PRODUCTS = [None, "CNC", "MIS", "NRML", "I"]
ZONES = {"UTC": UTC, "IST": IST, "naive": None}
KINDS: list[AdjustmentKind] = ["split", "consolidation", "bonus", "demerger", "expiry"]


def in_zone(moment: datetime, zone: str) -> datetime:
    """A UTC moment as a fill of that zone states it (naive: IST, as brokers do)."""
    if zone == "naive":
        return moment.astimezone(IST).replace(tzinfo=None)
    return moment.astimezone(ZONES[zone])


@st.composite
def fills(draw: st.DrawFn, zone: str, *, openings: bool) -> list[Fill]:
    """Fills over a few IST days, few distinct instants (ties), mixed products and fees; opening
    lots (some of them holdings snapshots with long-term units) when `openings`."""
    made = []
    for i in range(draw(st.integers(min_value=1, max_value=40))):
        opening = openings and draw(st.integers(0, 5)) == 0
        snapshot = opening and draw(st.booleans())
        units = draw(st.integers(min_value=1, max_value=300))
        at = T0 + timedelta(
            days=draw(st.integers(-3 if opening else 0, 4)), hours=draw(st.sampled_from([0, 2, 13]))
        )
        at += timedelta(minutes=draw(st.integers(0, 3)))
        made.append(
            Fill(
                execution_id=f"exe_{i:04d}",
                side="BUY" if opening else draw(st.sampled_from(["BUY", "SELL"])),
                quantity=units,
                price=draw(st.sampled_from([100, 1])) * draw(st.integers(min_value=1, max_value=2_000_0000)),
                fees=draw(st.integers(min_value=0, max_value=50_0000)),
                executed_at=in_zone(at, zone),
                product="CNC" if opening else draw(st.sampled_from(PRODUCTS)),
                sort_key=f"f:{draw(st.integers(0, 9)):04d}",  # ties too: then the execution id decides
                fees_given=draw(st.booleans()),
                opening=opening,
                snapshot=snapshot,
                cost=draw(st.none() | st.integers(0, 10_000_0000)) if opening else None,
                long_term=draw(st.integers(0, units)) if snapshot else 0,
            )
        )
    return made


@st.composite
def adjustments(draw: st.DrawFn, zone: str) -> list[Adjustment]:
    made = []
    for n in range(draw(st.integers(0, 3))):
        kind: AdjustmentKind = draw(
            st.sampled_from(["split", "consolidation", "bonus", "demerger", "expiry"])
        )
        at = T0 + timedelta(days=draw(st.integers(-1, 5))) - timedelta(hours=9, minutes=15)  # 00:00 IST
        made.append(
            Adjustment(
                f"ca_{n}",
                kind,
                in_zone(at + timedelta(hours=10) if kind == "expiry" else at, zone),  # expiry: at the close
                numerator=draw(st.integers(1, 10)),
                denominator=draw(st.integers(1, 10)),
                cost_percent=Decimal(draw(st.integers(0, 10_000))) / 100 if kind == "demerger" else None,
                price=draw(st.integers(1, 2_000_0000)) if kind == "expiry" else None,
            )
        )
    return made


def everything(result: Any) -> tuple[object, ...]:
    """Every output of a match: each trade's every field, lots and realizations; unmatched exits;
    a demerger's spawned lots."""
    trades = [
        (
            t.trade_id, t.direction, t.opened_at, t.book, sorted(t.products), t.execution_ids, t.quantity,
            t.entry_value, t.exit_quantity, t.exit_value, t.realized_pnl, t.charges, t.fees_given,
            t.closed_at, t.open_quantity, t.open_cost, t.is_open,
            [(lot.execution_id, lot.quantity, lot.cost, lot.fees, lot.acquired_at) for lot in t.lots],
            [tuple(r) if isinstance(r, tuple) else r for r in t.realizations],
        )
        for t in result.trades
    ]  # fmt: skip
    return trades, result.unmatched, result.spawned


@settings(max_examples=300, deadline=None)
@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Fill], list[Adjustment]]:
    zone = draw(st.sampled_from(sorted(ZONES)))
    return draw(fills(zone, openings=True)), draw(adjustments(zone))


@settings(max_examples=300, deadline=None)
@given(histories(), st.booleans())
def test_the_engine_gives_what_it_gave_before(
    history: tuple[list[Fill], list[Adjustment]], equity: bool
) -> None:
    # Given any fills (opening lots and holdings snapshots among them) and corporate actions
    given_fills, actions = history
    # When the engine and the engine as it was match them
    now = match(given_fills, equity=equity, adjustments=actions)
    before = fifo_before.match(given_fills, equity=equity, adjustments=actions)
    # Then every trade, lot, realization, unmatched exit and spawned lot is the same
    assert everything(now) == everything(before)


@settings(max_examples=300, deadline=None)
@given(fills("UTC", openings=False), st.booleans())
def test_the_engine_gives_what_the_plain_reference_gives(given_fills: list[Fill], equity: bool) -> None:
    # Given any fills (in UTC, as the reference reads them) without opening lots, nor corporate actions
    # When the engine and the benchmark's plain FIFO reference match them
    got = engine_outcome(match(given_fills, equity=equity)).canonical()
    want = reference(given_fills, equity=equity).canonical()
    # Then their realizations, open lots and unmatched exits are identical
    assert got == want


def test_a_fill_without_units_is_refused_as_before() -> None:
    # Given fills, one of them of no units
    good = Fill("exe_1", "BUY", 5, 100_0000, 0, T0)
    bad = Fill("exe_2", "SELL", 0, 100_0000, 0, T0 + timedelta(minutes=1))
    # When the engine and the engine as it was match them, Then both refuse it, naming it
    for engine in (match, fifo_before.match):
        with pytest.raises(ValueError, match="exe_2 has quantity 0"):
            engine([good, bad])


def test_an_expiry_during_the_day_settles_that_days_open_intraday_trade() -> None:
    # Given an intraday (MIS) long of the day, open when the contract expires at 10:00 IST, and a
    # fill of the same day after the expiry (the engine meets the expiry inside the day's fills)
    fills = [
        Fill("exe_1", "BUY", 5, 100_0000, 2_0000, T0, "MIS"),  # 09:15 IST
        Fill("exe_2", "BUY", 3, 102_0000, 1_0000, T0 + timedelta(hours=2), "MIS"),  # 11:15 IST
    ]
    expiry = Adjustment("ca_x", "expiry", T0 + timedelta(minutes=45), price=101_0000)
    # When the engine and the engine as it was match them
    now = match(fills, adjustments=[expiry])
    before = fifo_before.match(fills, adjustments=[expiry])
    # Then the morning's trade is closed at the settlement price, the later fill opens a new one
    first, second = now.trades
    assert (first.closed_at, first.exit_value, first.realized_pnl) == (expiry.effective_at, 505_0000, 5_0000)
    assert (second.execution_ids, second.is_open) == (["exe_2"], True)
    # And everything is as it was before
    assert everything(now) == everything(before)
