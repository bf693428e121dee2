"""Metrics on closed trades and on the daily net P&L series (API.md, "Analytics"), with numpy.

Money is summed exactly as int64 scaled by 10^4; floats appear only in ratios. Every float that
leaves this module is finite or None: no NaN or Infinity can reach JSON.
Definitions (API.md): a win/loss/breakeven is by net P&L (after charges); winRate = wins /
closedTrades; expectancy = mean net P&L per closed trade; profitFactor = gross wins / |gross
losses| (None without losses); the daily series has every NSE trading day of the range (0 where
nothing closed) plus any other day something closed (a Muhurat session); Sharpe = mean/std(ddof=1)
× √252 and Sortino = mean / √(Σ min(r,0)² / n) × √252 of the daily returns on capital (None
with fewer than 2 days or a zero deviation; scale-free, so the same without capital).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import numpy.typing as npt

from tradetrack.market.holidays import NSE_HOLIDAYS
from tradetrack.money import SCALE, rounded_average

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Interval = Literal["day", "week", "month"]
ANNUALISE = math.sqrt(252)
_HOLIDAYS = np.array(sorted(day.toordinal() for day in NSE_HOLIDAYS), dtype=np.int64)
_EPOCH = date(1970, 1, 1).toordinal()


def finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class TradeStats:
    realized: int
    charges: int
    net: int
    closed: int
    wins: int
    losses: int
    breakeven: int
    win_rate: float | None
    avg_win: int | None
    avg_loss: int | None
    largest_win: int | None
    largest_loss: int | None
    profit_factor: float | None
    expectancy: int | None


def trade_stats(realized: Ints, charges: Ints) -> TradeStats:
    net = realized - charges
    n = len(net)
    won = net[net > 0]
    lost = net[net < 0]
    wins, losses = len(won), len(lost)
    gross_win, gross_loss = int(won.sum()), int(lost.sum())
    total = int(net.sum())
    return TradeStats(
        realized=int(realized.sum()),
        charges=int(charges.sum()),
        net=total,
        closed=n,
        wins=wins,
        losses=losses,
        breakeven=n - wins - losses,
        win_rate=wins / n if n else None,
        avg_win=rounded_average(gross_win, wins) if wins else None,
        avg_loss=rounded_average(gross_loss, losses) if losses else None,
        largest_win=int(won.max()) if wins else None,
        largest_loss=int(lost.min()) if losses else None,
        profit_factor=finite(gross_win / -gross_loss) if losses else None,
        expectancy=rounded_average(total, n) if n else None,
    )


def trading_days(first: int, last: int, extra: Ints | None = None) -> Ints:
    """Date ordinals of the NSE trading days in [first, last], plus `extra` days (sorted, unique)."""
    if last < first:
        return np.zeros(0, np.int64)
    days = np.arange(first, last + 1, dtype=np.int64)
    keep = ((days - 1) % 7 < 5) & ~np.isin(days, _HOLIDAYS)
    if extra is not None and len(extra):
        keep |= np.isin(days, extra)
    return days[keep]


@dataclass(frozen=True)
class Daily:
    days: Ints  # date ordinals, ascending
    pnl: Ints  # net P&L closed that day (scaled)
    trades: Ints  # trades closed that day


def daily_series(close_day: Ints, net: Ints, first: date | None, last: date | None) -> Daily:
    """Every trading day from `first` (default: the first close) to `last` (default: the last close)."""
    if len(close_day) == 0 and (first is None or last is None):
        empty = np.zeros(0, np.int64)
        return Daily(empty, empty, empty)
    lo = first.toordinal() if first is not None else int(close_day.min())
    hi = last.toordinal() if last is not None else int(close_day.max())
    inside = (close_day >= lo) & (close_day <= hi)
    close_day, net = close_day[inside], net[inside]
    days = trading_days(lo, hi, np.unique(close_day))
    index = np.searchsorted(days, close_day)
    pnl = np.zeros(len(days), np.int64)
    np.add.at(pnl, index, net)
    trades = np.bincount(index, minlength=len(days)).astype(np.int64)
    return Daily(days, pnl, trades)


@dataclass(frozen=True)
class Risk:
    sharpe: float | None
    sortino: float | None
    max_drawdown: int  # scaled INR, >= 0
    max_drawdown_pct: float | None  # percent of peak equity (capital + cumulative P&L)
    max_drawdown_days: int  # days of the series from the peak to recovery (or to the end)


def returns(pnl: Ints, capital: int | None) -> Floats:
    """Daily returns on capital; without capital, P&L in INR (the ratios are scale-free)."""
    return pnl / float(capital if capital else SCALE)


def sharpe(r: Floats, mean: float | None = None) -> float | None:
    if len(r) < 2:
        return None
    mean = float(r.mean()) if mean is None else mean
    centred = r - mean
    deviation = math.sqrt(float(np.dot(centred, centred)) / (len(r) - 1))
    return finite(mean / deviation * ANNUALISE) if deviation > 0 else None


def sortino(r: Floats, mean: float | None = None) -> float | None:
    if len(r) < 2:
        return None
    mean = float(r.mean()) if mean is None else mean
    down = np.minimum(r, 0.0)
    deviation = math.sqrt(float(np.dot(down, down)) / len(r))
    return finite(mean / deviation * ANNUALISE) if deviation > 0 else None


def running_peak(cumulative: Ints) -> Ints:
    """The running peak of cumulative P&L, which starts at 0 before the first day."""
    peak = np.maximum.accumulate(cumulative)
    np.maximum(peak, 0, out=peak)
    return peak


def drawdown(cumulative: Ints) -> Ints:
    return running_peak(cumulative) - cumulative


def risk(pnl: Ints, capital: int | None) -> Risk:
    if len(pnl) == 0:
        return Risk(None, None, 0, 0.0 if capital else None, 0)
    r = returns(pnl, capital)
    mean = float(r.mean())
    cumulative = np.cumsum(pnl)
    peak = running_peak(cumulative)
    under = peak - cumulative
    trough = int(np.argmax(under))
    deepest = int(under[trough])
    days = 0
    if deepest > 0:
        peak_value = int(peak[trough])
        before = np.flatnonzero(cumulative[:trough] == peak_value)
        peak_at = int(before[-1]) if len(before) else -1  # -1: the start, before the first day
        after = np.flatnonzero(cumulative[trough:] >= peak_value)
        recovered = trough + int(after[0]) if len(after) else len(pnl) - 1
        days = recovered - peak_at
    pct: float | None = None
    if capital:
        # equity = capital + cumulative, so its running peak (from capital) is capital + peak; the
        # ratio is largest at the deepest point of each stretch under one peak (one division each)
        starts = np.r_[0, np.flatnonzero(peak[1:] != peak[:-1]) + 1]
        deepest_each = np.maximum.reduceat(under, starts)
        pct = finite(float((deepest_each / (peak[starts] + capital)).max()) * 100.0)
    return Risk(sharpe(r, mean), sortino(r, mean), deepest, pct, days)


@dataclass(frozen=True)
class Period:
    label: str
    net: int
    cumulative: int
    drawdown: int
    trades: int


def _label(ordinal: int, interval: Interval) -> str:
    day = date.fromordinal(ordinal)
    if interval == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if interval == "week":
        year, week, _ = day.isocalendar()
        return f"{year:04d}-W{week:02d}"
    return day.isoformat()


def periods(daily: Daily, interval: Interval) -> list[Period]:
    """The daily series folded into days, ISO weeks or months; cumulative and drawdown at period end."""
    if len(daily.days) == 0:
        return []
    if interval == "day":
        keys = daily.days
    elif interval == "week":
        keys = daily.days - (daily.days - 1) % 7  # that week's Monday
    else:
        keys = (daily.days - _EPOCH).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)] - 1
    cumulative = np.cumsum(daily.pnl)
    under = drawdown(cumulative)
    net = np.add.reduceat(daily.pnl, starts)
    trades = np.add.reduceat(daily.trades, starts)
    return [
        Period(_label(int(daily.days[s]), interval), int(n), int(cumulative[e]), int(under[e]), int(t))
        for s, e, n, t in zip(starts, ends, net, trades, strict=True)
    ]
