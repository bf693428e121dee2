"""Analytics metrics: worked examples with hand-computed answers, edge cases, and properties checked
against slow, independent reference implementations (pure Python, the statistics module)."""

from __future__ import annotations

import math
import statistics
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradetrack.analytics import metrics
from tradetrack.market.calendar import is_trading_day

MON = date(2025, 3, 3)  # a Monday; 2025-03-14 (Holi) is an NSE holiday


def arr(values: list[int]) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def days(*offsets: int) -> np.ndarray:
    return arr([(MON + timedelta(days=o)).toordinal() for o in offsets])


# ---- worked examples -----------------------------------------------------------------------------


def test_trade_stats_worked_example() -> None:
    # Net +100, −50, 0 (breakeven), +30 (scaled by 10^4): realized − charges
    realized = arr([1_050_000, -450_000, 20_000, 300_000])
    charges = arr([50_000, 50_000, 20_000, 0])
    stats = metrics.trade_stats(realized, charges)
    assert (stats.closed, stats.wins, stats.losses, stats.breakeven) == (4, 2, 1, 1)
    assert stats.win_rate == 0.5  # breakeven counts in the denominator
    assert stats.net == 800_000 and stats.expectancy == 200_000  # ₹80 / 4 trades = ₹20
    assert stats.profit_factor == pytest.approx(2.6)  # 130 / 50
    assert (stats.avg_win, stats.avg_loss) == (650_000, -500_000)
    assert (stats.largest_win, stats.largest_loss) == (1_000_000, -500_000)


def test_daily_series_fills_trading_days_with_zero_and_sharpe_is_hand_computed() -> None:
    # ₹100 and −₹50 close Monday, ₹0 Tuesday, ₹30 Thursday: Wednesday is a trading day with nothing
    daily = metrics.daily_series(days(0, 0, 1, 3), arr([1_000_000, -500_000, 0, 300_000]), None, None)
    assert list(daily.pnl) == [500_000, 0, 0, 300_000] and list(daily.trades) == [2, 1, 0, 1]
    risk = metrics.risk(daily.pnl, None)
    # mean 20, sample variance (30² + 20² + 20² + 10²)/3 = 600 → 20/√600 × √252 = 20 √0.42
    assert risk.sharpe == pytest.approx(20 * math.sqrt(0.42), rel=1e-12)
    assert risk.sortino is None  # no losing day: zero downside deviation → null, not inf
    assert (risk.max_drawdown, risk.max_drawdown_days, risk.max_drawdown_pct) == (0, 0, None)


def test_max_drawdown_in_inr_days_and_percent_of_capital() -> None:
    # cumulative 100, −50, −30, 170: the peak ₹100 (day 0) falls ₹150 and is regained on day 3
    risk = metrics.risk(arr([1_000_000, -1_500_000, 200_000, 2_000_000]), 10_000_000)  # capital ₹1,000
    assert (risk.max_drawdown, risk.max_drawdown_days) == (1_500_000, 3)
    assert risk.max_drawdown_pct == pytest.approx(150 / 1100 * 100)  # from equity 1,100 to 950
    # Sortino: mean 42.5; downside √(150²/4) = 75 → 42.5/75 × √252
    assert risk.sortino == pytest.approx(42.5 / 75 * math.sqrt(252), rel=1e-12)


def test_a_drawdown_from_the_start_that_never_recovers() -> None:
    risk = metrics.risk(arr([-100, -100, 50]), None)
    assert (risk.max_drawdown, risk.max_drawdown_days) == (200, 3)  # from the start to the last day


def test_holidays_and_weekends_are_not_in_the_series() -> None:
    daily = metrics.daily_series(days(), arr([]), date(2025, 3, 13), date(2025, 3, 17))
    assert [date.fromordinal(int(d)) for d in daily.days] == [date(2025, 3, 13), date(2025, 3, 17)]


def test_timeseries_weeks_and_months_carry_cumulative_and_drawdown() -> None:
    daily = metrics.daily_series(days(0, 7, 29), arr([100, -300, 50]), None, None)
    weeks = metrics.periods(daily, "week")
    assert [(p.label, p.net, p.cumulative, p.drawdown) for p in weeks] == [
        ("2025-W10", 100, 100, 0),
        ("2025-W11", -300, -200, 300),
        ("2025-W12", 0, -200, 300),
        ("2025-W13", 0, -200, 300),
        ("2025-W14", 50, -150, 250),
    ]
    months = metrics.periods(daily, "month")
    assert [(p.label, p.net, p.trades) for p in months] == [("2025-03", -200, 2), ("2025-04", 50, 1)]


# ---- edge cases ----------------------------------------------------------------------------------


def test_no_trades() -> None:
    stats = metrics.trade_stats(arr([]), arr([]))
    assert stats.closed == 0 and stats.win_rate is None and stats.expectancy is None
    assert stats.profit_factor is None and stats.avg_win is None
    assert metrics.risk(arr([]), None) == metrics.Risk(None, None, 0, None, 0)


def test_all_wins_has_no_profit_factor() -> None:
    assert metrics.trade_stats(arr([10, 20]), arr([0, 0])).profit_factor is None


def test_all_losses() -> None:
    stats = metrics.trade_stats(arr([-10, -20]), arr([1, 1]))
    assert (stats.wins, stats.losses, stats.win_rate, stats.profit_factor) == (0, 2, 0.0, 0.0)


def test_a_single_day_has_no_sharpe_or_sortino() -> None:
    risk = metrics.risk(arr([-500]), 1_000_000)
    assert risk.sharpe is None and risk.sortino is None and risk.max_drawdown == 500


def test_flat_days_have_no_sharpe() -> None:
    assert metrics.risk(arr([7, 7, 7]), None).sharpe is None


# ---- properties against slow references ----------------------------------------------------------


def ref_series(trades: list[tuple[int, int]]) -> list[int]:
    by_day: dict[date, int] = {}
    for offset, net in trades:
        day = MON + timedelta(days=offset)
        by_day[day] = by_day.get(day, 0) + net
    first, last = min(by_day), max(by_day)
    out = []
    day = first
    while day <= last:
        if is_trading_day(day) or day in by_day:
            out.append(by_day.get(day, 0))
        day += timedelta(days=1)
    return out


def ref_risk(pnl: list[int], capital: int | None) -> tuple[float | None, float | None, int, float | None]:
    base = capital or 10_000
    r = [p / base for p in pnl]
    sharpe = sortino = None
    if len(r) >= 2:
        sd = statistics.stdev(r)
        sharpe = statistics.mean(r) / sd * math.sqrt(252) if sd > 0 else None
        down = math.sqrt(math.fsum(min(x, 0) ** 2 for x in r) / len(r))
        sortino = statistics.mean(r) / down * math.sqrt(252) if down > 0 else None
    peak = cum = worst = 0
    pct = 0.0
    for p in pnl:
        cum += p
        peak = max(peak, cum)
        worst = max(worst, peak - cum)
        if capital:
            pct = max(pct, (peak - cum) / (capital + peak) * 100)
    return sharpe, sortino, worst, pct if capital else None


trade_lists = st.lists(st.tuples(st.integers(0, 60), st.integers(-(10**9), 10**9)), min_size=1, max_size=60)


@settings(max_examples=200, deadline=None)
@given(trade_lists, st.one_of(st.none(), st.integers(10**6, 10**12)))
def test_series_and_risk_match_the_reference(trades: list[tuple[int, int]], capital: int | None) -> None:
    daily = metrics.daily_series(days(*(o for o, _ in trades)), arr([n for _, n in trades]), None, None)
    expected = ref_series(trades)
    assert list(daily.pnl) == expected
    got = metrics.risk(daily.pnl, capital)
    sharpe, sortino, worst, pct = ref_risk(expected, capital)
    for mine, theirs in ((got.sharpe, sharpe), (got.sortino, sortino), (got.max_drawdown_pct, pct)):
        assert (mine is None) == (theirs is None)
        if mine is not None and theirs is not None:
            assert math.isfinite(mine) and mine == pytest.approx(theirs, rel=1e-9, abs=1e-9)
    assert got.max_drawdown == worst


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(-(10**9), 10**9), st.integers(0, 10**6)), max_size=50))
def test_trade_stats_match_the_reference(rows: list[tuple[int, int]]) -> None:
    stats = metrics.trade_stats(arr([r for r, _ in rows]), arr([c for _, c in rows]))
    net = [r - c for r, c in rows]
    wins = [n for n in net if n > 0]
    losses = [n for n in net if n < 0]
    assert (stats.wins, stats.losses, stats.breakeven) == (
        len(wins),
        len(losses),
        len(net) - len(wins) - len(losses),
    )
    assert stats.net == sum(net) and stats.realized == sum(r for r, _ in rows)
    assert stats.win_rate == (len(wins) / len(net) if net else None)
    assert stats.profit_factor == (sum(wins) / -sum(losses) if losses else None)
    if net:
        assert stats.expectancy is not None and abs(stats.expectancy - statistics.mean(net)) <= 0.5
