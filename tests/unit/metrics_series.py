"""Daily net P&L series of several shapes for the risk metrics' tests and benchmark, and two
independent computations of the same figures to compare with: quantstats (dev-only, the
definitions we share with it) and the straightforward vectorised numpy formulas."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]  # dev-only, for the quantstats comparison
import quantstats as qs

Ints = npt.NDArray[np.int64]
CAPITAL = 10_000_000_000  # ₹10 lakh, scaled by 10^4
SHAPES = ("low volatility", "high volatility", "trending", "flat stretches", "crash")


def series(shape: str, days: int, seed: int = 3) -> Ints:
    """Daily net P&L (scaled INR) on CAPITAL, the P&L of each day a return drawn on the capital:
    - low volatility: ₹ −100 … 105 a day, uniform (about 0.006% of capital; the old benchmark's);
    - high volatility: N(0.04%, 1%), the issue's;
    - trending: N(0.2%, 0.5%), a steady climb with new highs most weeks;
    - flat stretches: N(0.04%, 1%) with runs of days with nothing closed (about 70% of the days,
      runs of 100 days on average between runs of 40 active days);
    - crash: N(0.04%, 1%) with a crash a third of the way in: 15 losing days in a row that take
      60% of the P&L made so far and 30% of the capital, a long drawdown at any length.
    """
    rng = np.random.default_rng(seed)
    if shape == "low volatility":
        return rng.integers(-1_000_000, 1_050_000, days, dtype=np.int64)
    if shape == "trending":
        r = rng.normal(0.002, 0.005, days)
    elif shape in {"high volatility", "flat stretches", "crash"}:
        r = rng.normal(0.0004, 0.01, days)
    else:
        raise ValueError(shape)
    if shape == "flat stretches":
        runs = days // 70 + 2
        lengths = np.column_stack([rng.geometric(1 / 40, runs), rng.geometric(1 / 100, runs)]).ravel()
        flat = np.repeat(np.tile([False, True], runs), lengths)
        r[np.resize(flat, days)] = 0.0
    pnl = np.rint(r * CAPITAL).astype(np.int64)
    if shape == "crash":
        made = max(int(pnl[: days // 3].sum()), 0)
        pnl[days // 3 : days // 3 + 15] = -(made * 6 // 10 + CAPITAL * 3 // 10) // 15
    return pnl


@dataclass(frozen=True)
class Figures:
    sharpe: float
    sortino: float
    max_drawdown: int
    max_drawdown_pct: float
    max_drawdown_days: int


def plain_numpy(pnl: Ints, capital: int) -> Figures:
    """The metrics (API.md) by the textbook vectorised formulas, each computed on its own."""
    n = len(pnl)
    r = pnl / capital
    mean = r.mean()
    sharpe = mean / r.std(ddof=1) * math.sqrt(252)
    sortino = mean / np.sqrt(np.mean(np.minimum(r, 0.0) ** 2)) * math.sqrt(252)
    cumulative = np.cumsum(pnl)
    peak = np.maximum(np.maximum.accumulate(cumulative), 0)
    under = peak - cumulative
    trough = int(np.argmax(under))
    pct = float(np.max(under / (capital + peak))) * 100
    at_peak = np.flatnonzero(under == 0)
    k = int(np.searchsorted(at_peak, trough))
    start = int(at_peak[k - 1]) if k else -1
    end = int(at_peak[k]) if k < len(at_peak) else n - 1
    days = end - start if under[trough] else 0
    return Figures(float(sharpe), float(sortino), int(under[trough]), pct, days)


def quantstats_inputs(pnl: Ints, capital: int) -> tuple[pd.Series, pd.Series]:
    """Daily returns on capital, and equity in INR with the capital the day before the first.

    A second apart: a million days would pass pandas' last date; quantstats' Sharpe and Sortino
    read no dates (252 periods a year are given), and its drawdown only orders by them."""
    n = len(pnl)
    returns = pd.Series(pnl / capital, index=pd.date_range("2000-01-01", periods=n, freq="s"))
    equity = pd.Series(
        np.r_[capital, capital + np.cumsum(pnl)] / 10_000.0,
        index=pd.date_range("1999-12-31 23:59:59", periods=n + 1, freq="s"),
    )
    return returns, equity


def quantstats_figures(returns: pd.Series, equity: pd.Series) -> tuple[float, float, float]:
    """quantstats' Sharpe, Sortino and max drawdown (a negative fraction of peak equity), from a
    cold cache: quantstats keeps prepared returns by a hash of the series, which a new series
    (each request's) would miss."""
    qs.utils._PREPARE_RETURNS_CACHE.clear()
    return (
        float(qs.stats.sharpe(returns)),
        float(qs.stats.sortino(returns)),
        float(qs.stats.max_drawdown(equity)),
    )
