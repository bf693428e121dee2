"""Worked examples of FIFO matching, with answers computed by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tradetrack.analytics.categories import categorize
from tradetrack.analytics.fifo import Fill, Trade, match_fills
from tradetrack.money import to_scaled

MONDAY = datetime(2026, 1, 5, 4, 0, tzinfo=UTC)  # 09:30 IST


def fill(
    n: int, side: str, qty: int, price: str, *, fees: str = "0", minutes: int = 0, product: str = "CNC"
) -> Fill:
    from decimal import Decimal

    return Fill(
        execution_id=f"exe_{n}",
        side=side,  # type: ignore[arg-type]
        quantity=qty,
        price=to_scaled(Decimal(price)),
        fees=to_scaled(Decimal(fees)),
        executed_at=MONDAY + timedelta(minutes=minutes),
        product=product,
    )


def rupees(value: int) -> str:
    from tradetrack.money import money_str

    return money_str(value)


def only(trades: list[Trade]) -> Trade:
    assert len(trades) == 1
    return trades[0]


def test_partial_exits_realize_pnl_on_what_was_sold() -> None:
    # Buy 100 @ 250; sell 30 @ 260 (+300), then 50 @ 245 (−250); 20 stay open
    trade = only(
        match_fills(
            [
                fill(1, "BUY", 100, "250"),
                fill(2, "SELL", 30, "260", minutes=5),
                fill(3, "SELL", 50, "245", minutes=9),
            ]
        )
    )
    assert trade.is_open and trade.open_quantity == 20
    assert rupees(trade.realized_pnl) == "50"
    assert trade.exit_quantity == 80


def test_scale_in_then_exit_consumes_the_oldest_lot_first() -> None:
    # Buy 10 @ 100, buy 10 @ 110, sell 15 @ 120: FIFO takes 10 @ 100 (+200) and 5 @ 110 (+50)
    trade = only(
        match_fills(
            [
                fill(1, "BUY", 10, "100"),
                fill(2, "BUY", 10, "110", minutes=1),
                fill(3, "SELL", 15, "120", minutes=2),
            ]
        )
    )
    assert rupees(trade.realized_pnl) == "250"
    assert [(lot.quantity, rupees(lot.cost)) for lot in trade.lots] == [(5, "550")]


def test_a_long_flips_to_short_with_the_remainder() -> None:
    # Long 10 @ 500; sell 25 @ 520 closes the long (+200) and opens a short of 15 @ 520
    trades = match_fills([fill(1, "BUY", 10, "500"), fill(2, "SELL", 25, "520", fees="25", minutes=3)])
    long, short = trades
    assert (long.direction, long.is_open, rupees(long.realized_pnl)) == ("LONG", False, "200")
    assert (short.direction, short.open_quantity, short.trade_id) == ("SHORT", 15, "trd_2")
    # the flipping fill's ₹25 of fees: 10/25 to the close, 15/25 to the new short
    assert (rupees(long.charges), rupees(short.charges)) == ("10", "15")


def test_a_short_covered_in_two_fills() -> None:
    # Short 40 @ 1,000.50; cover 25 @ 990.25 (+256.25) and 15 @ 1,005 (−67.50)
    trade = only(
        match_fills(
            [
                fill(1, "SELL", 40, "1000.50"),
                fill(2, "BUY", 25, "990.25", minutes=4),
                fill(3, "BUY", 15, "1005", minutes=8),
            ]
        )
    )
    assert trade.direction == "SHORT" and not trade.is_open
    assert rupees(trade.realized_pnl) == "188.75"


def test_fees_split_across_lots_lose_no_paisa() -> None:
    # Fees ₹10 on a fill of 3 units closed one unit at a time: 3.3333 + 3.3333 + 3.3334
    trades = match_fills(
        [
            fill(1, "BUY", 3, "100", fees="10"),
            fill(2, "SELL", 1, "101", fees="0.01", minutes=1),
            fill(3, "SELL", 1, "101", fees="0.01", minutes=2),
            fill(4, "SELL", 1, "101", fees="0.01", minutes=3),
        ]
    )
    trade = only(trades)
    assert rupees(trade.charges) == "10.03"
    assert rupees(trade.realized_pnl - trade.charges) == "-7.03"


def test_same_day_round_trip_is_intraday_and_a_carried_one_is_swing() -> None:
    same_day = only(match_fills([fill(1, "BUY", 1, "100"), fill(2, "SELL", 1, "101", minutes=300)]))
    carried = only(match_fills([fill(1, "BUY", 1, "100"), fill(2, "SELL", 1, "101", minutes=3 * 24 * 60)]))
    long_held = only(
        match_fills([fill(1, "BUY", 1, "100"), fill(2, "SELL", 1, "101", minutes=400 * 24 * 60)])
    )
    now = MONDAY + timedelta(days=500)
    assert categorize(same_day, as_of=now) == "intraday"
    assert categorize(carried, as_of=now) == "swing"
    assert categorize(long_held, as_of=now) == "long_term"


def test_an_mis_position_is_never_carried_to_the_next_day() -> None:
    # Given an MIS buy whose square-off is missing, and an MIS sell the next day
    trades = match_fills(
        [fill(1, "BUY", 1, "100", product="MIS"), fill(2, "SELL", 1, "99", minutes=2000, product="MIS")]
    )
    # Then the sell does not close yesterday's MIS lot: each day's intraday book starts afresh
    assert [(t.direction, t.is_open, t.book) for t in trades] == [
        ("LONG", True, "intraday"),
        ("SHORT", True, "intraday"),
    ]
    assert categorize(trades[0], as_of=MONDAY + timedelta(days=3)) == "intraday"


def test_the_ist_day_decides_not_the_utc_day() -> None:
    # 09:20 IST and 15:25 IST on one IST day straddle no UTC midnight, but 05:00 IST is the UTC day before
    early = Fill("exe_1", "BUY", 1, 100_0000, 0, datetime(2026, 1, 4, 23, 30, tzinfo=UTC))  # 05:00 IST Jan 5
    late = Fill("exe_2", "SELL", 1, 101_0000, 0, datetime(2026, 1, 5, 9, 55, tzinfo=UTC))  # 15:25 IST Jan 5
    assert categorize(only(match_fills([early, late])), as_of=MONDAY) == "intraday"
