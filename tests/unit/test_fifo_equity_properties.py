"""Properties of the equity rules for any fills (hypothesis): splits, delivery lots, cash."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tradetrack.analytics.adjustments import Adjustment
from tradetrack.analytics.fifo import Fill, Matched, match

T0 = datetime(2026, 1, 5, 4, 0, tzinfo=UTC)  # 09:30 IST
PRODUCTS = [None, "CNC", "MIS"]


@st.composite
def equity_fills(draw: st.DrawFn, *, price_multiple: int = 1) -> list[Fill]:
    """Delivery and intraday fills over a few days (same-day netting happens), opening lots too."""
    fills = []
    for i in range(draw(st.integers(min_value=1, max_value=30))):
        opening = draw(st.booleans()) and i % 4 == 0
        fills.append(
            Fill(
                execution_id=f"exe_{i:04d}",
                side="BUY" if opening else draw(st.sampled_from(["BUY", "SELL"])),
                quantity=draw(st.integers(min_value=1, max_value=300)),
                price=price_multiple * draw(st.integers(min_value=1, max_value=2_000_0000)),
                fees=0,
                # opening lots: held before the data starts
                executed_at=T0
                + timedelta(
                    days=-30 if opening else draw(st.integers(0, 6)), minutes=draw(st.integers(0, 300))
                ),
                product=None if opening else draw(st.sampled_from(PRODUCTS)),
                sort_key=f"f:{i:04d}",
                opening=opening,
            )
        )
    return fills


def realized(result: Matched) -> int:
    return sum(t.realized_pnl for t in result.trades)


@given(equity_fills(price_multiple=2), st.integers(min_value=0, max_value=6))
def test_pnl_is_the_same_whether_pre_split_fills_are_in_pre_or_post_split_units(
    fills: list[Fill], split_day: int
) -> None:
    # Given fills and a 1:2 split at the start of some day (00:00 IST)
    ex = (T0 + timedelta(days=split_day)).replace(hour=18, minute=30) - timedelta(days=1)
    split = Adjustment("ca_s", "split", ex, 2, 1)
    # When the earlier fills are given as they were (with the split) or already adjusted (without)
    adjusted = [
        f if f.executed_at >= ex else replace(f, quantity=f.quantity * 2, price=f.price // 2) for f in fills
    ]
    # Then the realized P&L and what stays open are the same
    with_split, pre_adjusted = match(fills, equity=True, adjustments=[split]), match(adjusted, equity=True)
    assert realized(with_split) == realized(pre_adjusted)
    unmatched = sum(
        u.quantity * (2 if u.executed_at < ex else 1) for u in with_split.unmatched
    )  # in new units
    assert unmatched == sum(u.quantity for u in pre_adjusted.unmatched)
    open_units = [
        sum(t.open_quantity for t in r.trades if t.book == "delivery") for r in (with_split, pre_adjusted)
    ]
    assert open_units[0] == open_units[1]


@given(equity_fills())
def test_no_equity_delivery_lot_ever_goes_negative_or_short(fills: list[Fill]) -> None:
    result = match(fills, equity=True)
    delivery = [t for t in result.trades if t.book == "delivery"]
    assert all(t.direction == "LONG" for t in delivery)
    assert all(lot.quantity > 0 and lot.cost >= 0 for t in result.trades for lot in t.lots)


@given(equity_fills(), st.integers(min_value=1, max_value=5_000_0000))
def test_realized_plus_unrealized_is_cash_flow_plus_the_position_at_a_mark(
    fills: list[Fill], mark: int
) -> None:
    # Given any fills and opening lots (an opening lot is a purchase at its cost)
    result = match(fills, equity=True)
    unmatched = {u.execution_id: u.quantity for u in result.unmatched}
    # When P&L is realized by FIFO and the open lots are marked
    unrealized = sum(
        (1 if t.direction == "LONG" else -1) * (mark * lot.quantity - lot.cost)
        for t in result.trades
        for lot in t.lots
    )
    # Then it equals the cash that moved plus the position's value, leaving out unmatched exits
    cash = position = 0
    for f in fills:
        units = f.quantity - unmatched.get(f.execution_id, 0) if f.side == "SELL" else f.quantity
        cash += f.price * units * (1 if f.side == "SELL" else -1)
        position += units if f.side == "BUY" else -units
    assert realized(result) + unrealized == cash + position * mark
