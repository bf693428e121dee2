"""Properties of the FIFO engine that hold for any sequence of fills (hypothesis)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tradetrack.analytics.fifo import Fill, Trade, match_fills, ordered

T0 = datetime(2026, 1, 5, 3, 45, tzinfo=UTC)


@st.composite
def fill_lists(draw: st.DrawFn) -> list[Fill]:
    count = draw(st.integers(min_value=1, max_value=40))
    fills = []
    for i in range(count):
        fills.append(
            Fill(
                execution_id=f"exe_{i:04d}",
                side=draw(st.sampled_from(["BUY", "SELL"])),
                quantity=draw(st.integers(min_value=1, max_value=500)),
                price=draw(st.integers(min_value=1, max_value=50_000_0000)),  # up to ₹50,000.0000
                fees=draw(st.integers(min_value=0, max_value=100_0000)),
                # few distinct instants, so same-timestamp ties are common
                executed_at=T0 + timedelta(minutes=draw(st.integers(min_value=0, max_value=5))),
                sort_key=f"manual:{i:04d}",
            )
        )
    return fills


def signed(fill: Fill) -> int:
    return fill.quantity if fill.side == "BUY" else -fill.quantity


def summary(trades: list[Trade]) -> list[tuple[object, ...]]:
    return [
        (t.trade_id, t.direction, t.quantity, t.exit_quantity, t.realized_pnl, t.charges, t.closed_at)
        for t in trades
    ]


@given(fill_lists())
def test_matched_quantities_balance(fills: list[Fill]) -> None:
    trades = match_fills(fills)
    for trade in trades[:-1]:  # every trade but the last is closed, and closed means flat
        assert not trade.is_open
        assert trade.quantity == trade.exit_quantity
    last = trades[-1]
    sign = 1 if last.direction == "LONG" else -1
    position = sign * last.open_quantity
    assert position == sum(signed(f) for f in fills)
    assert last.quantity - last.exit_quantity == last.open_quantity


@given(fill_lists(), st.integers(min_value=1, max_value=50_000_0000))
def test_realized_plus_unrealized_equals_cash_flow_plus_mark_value(fills: list[Fill], mark: int) -> None:
    # Given any fills and a mark price
    trades = match_fills(fills)
    # When P&L is realized FIFO and the open lots are marked
    realized = sum(t.realized_pnl for t in trades)
    unrealized = 0
    for trade in trades:
        sign = 1 if trade.direction == "LONG" else -1
        unrealized += sum(sign * (mark * lot.quantity - lot.cost) for lot in trade.lots)
    # Then it equals the net cash flow plus the value of the position at the mark, to the paisa
    cash = sum(f.price * f.quantity * (-1 if f.side == "BUY" else 1) for f in fills)
    position = sum(signed(f) for f in fills)
    assert realized + unrealized == cash + position * mark


@given(fill_lists())
def test_every_paisa_of_fees_is_charged_exactly_once(fills: list[Fill]) -> None:
    assert sum(t.charges for t in match_fills(fills)) == sum(f.fees for f in fills)


@given(fill_lists(), st.randoms(use_true_random=False))
def test_the_order_fills_arrive_in_does_not_matter(fills: list[Fill], rng: random.Random) -> None:
    # Given the same fills delivered in another order (same-instant ties included)
    shuffled = list(fills)
    rng.shuffle(shuffled)
    # Then the trades are identical
    assert summary(match_fills(shuffled)) == summary(match_fills(fills))


@given(fill_lists(), st.integers(min_value=1, max_value=40))
def test_later_fills_never_rewrite_closed_history(fills: list[Fill], cut: int) -> None:
    # Given a first batch, then fills that all come after it in time
    chronological = ordered(fills)
    first = match_fills(chronological[:cut])
    both = match_fills(chronological)
    # Then every trade the first batch closed is unchanged
    closed_first = [s for s, t in zip(summary(first), first, strict=True) if not t.is_open]
    assert summary(both)[: len(closed_first)] == closed_first


@settings(max_examples=50)
@given(fill_lists())
def test_each_trade_is_named_after_a_fill_that_opened_it(fills: list[Fill]) -> None:
    trades = match_fills(fills)
    ids = [t.trade_id for t in trades]
    assert len(ids) == len(set(ids))
    for trade in trades:
        assert trade.trade_id == "trd_" + trade.execution_ids[0].removeprefix("exe_")
