"""Risk metrics (metrics.risk) on realistic series shapes beside quantstats, across the chunks of its
one pass (the chunk size made small to cross many boundaries), and on degenerate series: flat,
empty, one day. Values to 1e-9; nothing that is not finite reaches JSON."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.metrics_series import CAPITAL, SHAPES, quantstats_figures, quantstats_inputs, series
from tradetrack.analytics import metrics

TOLERANCE = 1e-9  # Sharpe, Sortino and the drawdown fraction are of order 1: absolute


def arr(values: list[int]) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def reference(pnl: list[int], capital: int | None) -> metrics.Risk:
    """Day by day in pure Python: API.md's definitions, none of metrics' code."""
    n = len(pnl)
    sharpe = sortino = None
    if n >= 2:
        mean = math.fsum(pnl) / n
        variance = math.fsum((p - mean) ** 2 for p in pnl) / (n - 1)
        down = math.sqrt(math.fsum(min(p, 0) ** 2 for p in pnl) / n)
        sharpe = mean / math.sqrt(variance) * math.sqrt(252) if variance > 0 else None
        sortino = mean / down * math.sqrt(252) if down > 0 else None
    cum = peak = 0
    under: list[int] = []
    pct = 0.0
    for p in pnl:
        cum += p
        peak = max(peak, cum)
        under.append(peak - cum)
        if capital:
            pct = max(pct, (peak - cum) / (capital + peak) * 100)
    deepest = max(under, default=0)
    days = 0
    if deepest:
        trough = under.index(deepest)
        start = max((i for i in range(trough) if under[i] == 0), default=-1)
        end = next((i for i in range(trough, n) if under[i] == 0), n - 1)
        days = end - start
    return metrics.Risk(sharpe, sortino, deepest, pct if capital else None, days)


def assert_same(got: metrics.Risk, expected: metrics.Risk) -> None:
    for mine, theirs in (
        (got.sharpe, expected.sharpe),
        (got.sortino, expected.sortino),
        (got.max_drawdown_pct, expected.max_drawdown_pct),
    ):
        assert (mine is None) == (theirs is None), (got, expected)
        if mine is not None and theirs is not None:
            assert math.isfinite(mine) and mine == pytest.approx(theirs, rel=TOLERANCE, abs=TOLERANCE)
    assert (got.max_drawdown, got.max_drawdown_days) == (expected.max_drawdown, expected.max_drawdown_days)


def as_json(risk: metrics.Risk) -> str:
    return json.dumps(asdict(risk), allow_nan=False)  # raises on NaN or Infinity


# ---- realistic shapes --------------------------------------------------------------------------


@pytest.mark.parametrize("days", [1_250, 100_000])  # five years; and several chunks of the pass
@pytest.mark.parametrize("shape", SHAPES)
def test_equal_to_quantstats_and_the_reference_on_every_shape(shape: str, days: int) -> None:
    # Given a daily P&L series of this shape on ₹10 lakh
    pnl = series(shape, days)
    # When the risk metrics are computed
    got = metrics.risk(pnl, CAPITAL)
    # Then Sharpe, Sortino and the max drawdown fraction equal quantstats' to 1e-9
    sharpe, sortino, fraction = quantstats_figures(*quantstats_inputs(pnl, CAPITAL))
    assert got.sharpe is not None and got.sortino is not None and got.max_drawdown_pct is not None
    assert math.isclose(got.sharpe, sharpe, rel_tol=0, abs_tol=TOLERANCE)
    assert math.isclose(got.sortino, sortino, rel_tol=0, abs_tol=TOLERANCE)
    assert math.isclose(-got.max_drawdown_pct / 100, fraction, rel_tol=0, abs_tol=TOLERANCE)
    # And everything equals the day-by-day reference (INR and days exactly)
    assert_same(got, reference(pnl.tolist(), CAPITAL))
    as_json(got)


def test_the_shapes_are_what_they_say() -> None:
    # Given the five shapes at five years
    flat = series("flat stretches", 1_250) == 0
    crash = metrics.risk(series("crash", 1_250), CAPITAL).max_drawdown_pct
    trending = metrics.risk(series("trending", 1_250), CAPITAL).max_drawdown_pct
    high, low = (float(np.std(series(shape, 1_250))) for shape in ("high volatility", "low volatility"))
    # Then the flat one is mostly days with nothing closed, in runs of 20 days or more on average
    edges = np.flatnonzero(np.diff(np.r_[0, flat.astype(np.int8), 0]))
    runs = edges[1::2] - edges[::2]
    assert 0.5 < float(flat.mean()) < 0.95 and float(runs.mean()) >= 20
    # And the crash's drawdown is several times the trend's; high volatility 100x the low one
    assert crash is not None and trending is not None and crash > 5 * trending
    assert high > 100 * low


# ---- across chunks of the pass -----------------------------------------------------------------


def test_a_drawdown_from_a_peak_chunks_before_to_a_recovery_chunks_after() -> None:
    # Given chunks of 2 days and cumulative P&L 50, 100, 80, 50, 10, 20, 120, 125: the peak ₹100 on
    # day 1 (chunk 0) falls to 10 on day 4 (chunk 2) and is passed on day 6 (chunk 3)
    pnl = arr([50, 50, -20, -30, -40, 10, 100, 5])
    with patch.object(metrics, "_CHUNK", 2):
        # When the risk metrics are computed with capital 1,000
        got = metrics.risk(pnl, 1_000)
    # Then the drawdown is 90, 6 − 1 = 5 days, 90 / (1,000 + 100) of peak equity
    assert (got.max_drawdown, got.max_drawdown_days) == (90, 5)
    assert got.max_drawdown_pct == pytest.approx(90 / 1_100 * 100, rel=1e-15)


def test_a_deeper_drawdown_in_a_later_chunk_replaces_an_unrecovered_one() -> None:
    # Given chunks of 3 days: down 30 from the start, back to −10, then down to −60 and never back
    pnl = arr([-10, -10, -10, 10, 10, 0, -20, -30, -10, 5])
    with patch.object(metrics, "_CHUNK", 3):
        got = metrics.risk(pnl, None)
    # Then the deepest is 70 (day 8), from the start to the last day: 10 days
    assert (got.max_drawdown, got.max_drawdown_days) == (70, 10)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(-6, 6), min_size=1, max_size=80),  # small values: ties and returns to the peak
    st.sampled_from([1, 2, 3, 5, 8, 64]),
    st.one_of(st.none(), st.integers(1, 10**6)),
)
def test_any_chunk_size_gives_the_reference(pnl: list[int], chunk: int, capital: int | None) -> None:
    # Given a series cut into chunks of `chunk` days (and sums of squares in rows of 4 values)
    with patch.object(metrics, "_CHUNK", chunk), patch.object(metrics, "_ROW", 4):
        # When the risk metrics are computed
        got = metrics.risk(arr(pnl), capital)
    # Then they equal the day-by-day reference
    assert_same(got, reference(pnl, capital))


# ---- degenerate series -------------------------------------------------------------------------


def test_empty_series() -> None:
    assert metrics.risk(arr([]), None) == metrics.Risk(None, None, 0, None, 0)
    assert metrics.risk(arr([]), CAPITAL) == metrics.Risk(None, None, 0, 0.0, 0)


def test_one_day() -> None:
    # A gain: no drawdown; a loss: a drawdown of one day from the start, of the capital
    assert metrics.risk(arr([500]), CAPITAL) == metrics.Risk(None, None, 0, 0.0, 0)
    assert metrics.risk(arr([-500]), 10_000) == metrics.Risk(None, None, 500, 5.0, 1)


def test_all_zero_days_have_no_ratios_and_no_drawdown() -> None:
    # Given two years with nothing closed
    got = metrics.risk(np.zeros(500, np.int64), CAPITAL)
    # Then no Sharpe or Sortino (zero deviations), no drawdown, and it serialises
    assert got == metrics.Risk(None, None, 0, 0.0, 0)
    assert json.loads(as_json(got))["sharpe"] is None


def test_equal_gains_have_no_sharpe_and_no_sortino() -> None:
    # Given ₹12,345.6789 every day for 70,001 days (three chunks; its square is past 2^53)
    got = metrics.risk(np.full(70_001, 123_456_789, np.int64), CAPITAL)
    # Then the deviation is exactly 0, not rounding noise: no Sharpe, no Sortino, no drawdown
    assert (got.sharpe, got.sortino, got.max_drawdown) == (None, None, 0)


def test_a_large_mean_with_a_small_spread_keeps_its_digits() -> None:
    # Given ₹100,000 a day ± ₹0.0003 (scaled ±3): Σx² − (Σx)²/n would cancel every digit
    pnl = 1_000_000_000 + np.random.default_rng(5).integers(-3, 4, 10_000, dtype=np.int64)
    # Then Sharpe equals the two-pass reference to 1e-9 (relative: it is about 10^10)
    assert_same(metrics.risk(pnl, None), reference(pnl.tolist(), None))


def test_equal_losses_have_no_sharpe_but_a_sortino() -> None:
    # Given −7 every day for three days: the deviation is 0, the downside deviation 7
    got = metrics.risk(arr([-7, -7, -7]), 1_000)
    # Then no Sharpe; Sortino −7/7 × √252; a drawdown of 21 from the start to the end (3 days)
    assert got.sharpe is None
    assert got.sortino == pytest.approx(-math.sqrt(252), rel=1e-15)
    assert (got.max_drawdown, got.max_drawdown_days, got.max_drawdown_pct) == (21, 3, 2.1)


def test_one_loss_inside_long_flat_stretches() -> None:
    # Given 100 days of nothing, a ₹500 loss, 100 days of nothing
    pnl = arr([0] * 100 + [-5_000_000] + [0] * 100)
    with patch.object(metrics, "_CHUNK", 16):
        got = metrics.risk(pnl, None)
    # Then the peak is the last flat day before the loss (day 99), never regained: 200 − 99 days
    assert (got.max_drawdown, got.max_drawdown_days) == (5_000_000, 101)
    assert_same(got, reference(pnl.tolist(), None))
    as_json(got)
