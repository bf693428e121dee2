"""Risk metrics beside quantstats and plain numpy (`make bench`, issue #14 item 8): Sharpe, Sortino
and max drawdown (INR, % of peak equity, days) of a daily P&L series, for several series shapes
(tests/unit/metrics_series.py: low and high volatility, trending, long flat stretches, a crash).

Goals, per shape and length: >= 10x faster than quantstats and no slower than the plain numpy
formulas; values equal to 1e-9.

Lengths: 1,250 days — five years of NSE trading days (about 248 a year), the range a trader's
summary or one group of a breakdown covers (a breakdown runs it once per symbol); and 1,000,000
days, the old benchmark's, where the work per day dominates rather than the calls.

What is timed: ours, `metrics.risk(pnl, capital)` from the int64 daily P&L: all five figures.
quantstats: `sharpe` and `sortino` of the returns series and `max_drawdown` of the equity series,
the pandas series built beforehand (not timed) and its prepared-returns cache cleared before each
round (a new series each request); it has no figure for the drawdown in INR or its days, so it is
timed for less than ours. numpy: tests/unit/metrics_series.plain_numpy, all five figures from the
same int64 P&L. Rounds interleave the three (pytest-benchmark's setup runs the other two) so the
machine's load falls on all alike; figures are medians.

Equal to 1e-9: Sharpe, Sortino and the drawdown as a fraction of peak equity are dimensionless
and of order 1, so absolute differences (quantstats and numpy both); the drawdown in INR (scaled
int) and its days exactly equal to numpy's.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tests.unit.metrics_series import (
    CAPITAL,
    SHAPES,
    plain_numpy,
    quantstats_figures,
    quantstats_inputs,
    series,
)
from tradetrack.analytics import metrics

pytestmark = pytest.mark.bench

SPEEDUP_GOAL = 10.0  # x quantstats, at least
NUMPY_GOAL = 1.0  # ours / plain numpy, at most
TOLERANCE = 1e-9
ROUNDS = {1_250: 301, 1_000_000: 9}


def _timed(work: Callable[[], object], into: list[float]) -> None:
    begin = time.perf_counter()
    work()
    into.append(time.perf_counter() - begin)


@pytest.mark.parametrize("days", list(ROUNDS))
@pytest.mark.parametrize("shape", SHAPES)
def test_risk_metrics_beside_quantstats_and_numpy(benchmark: Any, shape: str, days: int) -> None:
    # Given a daily P&L series of this shape on ₹10 lakh, and quantstats' inputs for it
    pnl = series(shape, days)
    assert (CAPITAL + np.cumsum(pnl)).min() > 0  # equity stays positive: quantstats reads it as prices
    returns, equity = quantstats_inputs(pnl, CAPITAL)
    numpy_s: list[float] = []
    quantstats_s: list[float] = []

    def others() -> None:
        _timed(lambda: plain_numpy(pnl, CAPITAL), numpy_s)
        _timed(lambda: quantstats_figures(returns, equity), quantstats_s)

    # When ours, quantstats and numpy compute the same metrics, rounds interleaved
    ours = benchmark.pedantic(
        lambda: metrics.risk(pnl, CAPITAL), setup=others, rounds=ROUNDS[days], iterations=1, warmup_rounds=1
    )
    ours_ms = benchmark.stats.stats.median * 1000
    numpy_ms = float(np.median(numpy_s)) * 1000
    quantstats_ms = float(np.median(quantstats_s)) * 1000
    speedup = quantstats_ms / ours_ms
    of_numpy = ours_ms / numpy_ms
    fast_enough = speedup >= SPEEDUP_GOAL
    lean_enough = of_numpy <= NUMPY_GOAL
    theirs = quantstats_figures(returns, equity)
    plain = plain_numpy(pnl, CAPITAL)
    benchmark.extra_info.update(
        shape=shape,
        days=days,
        ours_ms=round(ours_ms, 4),
        quantstats_ms=round(quantstats_ms, 3),
        numpy_ms=round(numpy_ms, 4),
        speedup_vs_quantstats=round(speedup, 1),
        ratio_vs_numpy=round(of_numpy, 2),
        goal=f">= {SPEEDUP_GOAL:g}x quantstats, <= {NUMPY_GOAL:g}x numpy's time",
        sharpe=(ours.sharpe, theirs[0], plain.sharpe),
        sortino=(ours.sortino, theirs[1], plain.sortino),
        max_drawdown_fraction=(
            None if ours.max_drawdown_pct is None else -ours.max_drawdown_pct / 100,
            theirs[2],
            -plain.max_drawdown_pct / 100,
        ),
    )
    print(  # make bench shows it (-rP)
        f"\nrisk metrics, {shape}, {days:,} days: ours {ours_ms:.3f} ms, quantstats {quantstats_ms:.2f} ms, "
        f"numpy {numpy_ms:.3f} ms; {speedup:.1f}x quantstats (goal >= {SPEEDUP_GOAL:g}x: "
        f"{'met' if fast_enough else 'NOT met'}), {of_numpy:.2f} of numpy's time (goal <= {NUMPY_GOAL:g}: "
        f"{'met' if lean_enough else 'NOT met'}); sharpe {ours.sharpe} vs {theirs[0]}"
    )

    # Then the values are equal to 1e-9 (dimensionless: absolute; INR and days: exactly)
    assert ours.sharpe is not None and ours.sortino is not None and ours.max_drawdown_pct is not None
    for mine, quantstats_value, numpy_value in (
        (ours.sharpe, theirs[0], plain.sharpe),
        (ours.sortino, theirs[1], plain.sortino),
        (-ours.max_drawdown_pct / 100, theirs[2], -plain.max_drawdown_pct / 100),
    ):
        assert math.isclose(mine, quantstats_value, rel_tol=0, abs_tol=TOLERANCE)
        assert math.isclose(mine, numpy_value, rel_tol=0, abs_tol=TOLERANCE)
    assert (ours.max_drawdown, ours.max_drawdown_days) == (plain.max_drawdown, plain.max_drawdown_days)
    # And the goals are met
    assert fast_enough, f"{speedup:.1f}x quantstats (goal {SPEEDUP_GOAL:g}x)"
    assert lean_enough, f"{of_numpy:.2f} of numpy's time (goal {NUMPY_GOAL:g})"
