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
from functools import cache
from typing import TYPE_CHECKING, Literal, TypeAlias

import numpy as np

from tradetrack.market.holidays import NSE_HOLIDAYS
from tradetrack.money import SCALE, rounded_average

if TYPE_CHECKING:  # numpy's typing imports numpy: not at a cold start (tradetrack.coldstart)
    import numpy.typing as npt

    Ints: TypeAlias = npt.NDArray[np.int64]
    Floats: TypeAlias = npt.NDArray[np.float64]

Interval = Literal["day", "week", "month"]
ANNUALISE = math.sqrt(252)
_EPOCH = date(1970, 1, 1).toordinal()
_CHUNK = 1 << 15  # days per chunk of the one pass over the daily series (see _scan)
_ROW = 8192  # sums of squares: BLAS dots this long stay on one thread (OpenBLAS: <= 10,000)


@cache
def _holidays() -> Ints:
    """NSE's holidays as ordinals, built on first use (not at a cold start)."""
    return np.array(sorted(day.toordinal() for day in NSE_HOLIDAYS), dtype=np.int64)


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
    won = net[net > 0]
    lost = net[net < 0]
    return trade_stats_of_sums(
        realized=int(realized.sum()),
        charges=int(charges.sum()),
        closed=len(net),
        wins=len(won),
        losses=len(lost),
        won=int(won.sum()),
        lost=int(lost.sum()),
        best=int(won.max()) if len(won) else 0,
        worst=int(lost.min()) if len(lost) else 0,
    )


def trade_stats_of_sums(
    *,
    realized: int,
    charges: int,
    closed: int,
    wins: int,
    losses: int,
    won: int,
    lost: int,
    best: int,
    worst: int,
) -> TradeStats:
    """The statistics of closed trades from their counts and sums (net P&L of winners `won`, of losers
    `lost`; the best winner and worst loser), so that per-day aggregates give the same figures."""
    net = realized - charges
    return TradeStats(
        realized=realized,
        charges=charges,
        net=net,
        closed=closed,
        wins=wins,
        losses=losses,
        breakeven=closed - wins - losses,
        win_rate=wins / closed if closed else None,
        avg_win=rounded_average(won, wins) if wins else None,
        avg_loss=rounded_average(lost, losses) if losses else None,
        largest_win=best if wins else None,
        largest_loss=worst if losses else None,
        profit_factor=finite(won / -lost) if losses else None,
        expectancy=rounded_average(net, closed) if closed else None,
    )


def trading_days(first: int, last: int, extra: Ints | None = None) -> Ints:
    """Date ordinals of the NSE trading days in [first, last], plus `extra` days (sorted, unique)."""
    if last < first:
        return np.zeros(0, np.int64)
    days = np.arange(first, last + 1, dtype=np.int64)
    keep = ((days - 1) % 7 < 5) & ~np.isin(days, _holidays())
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


def _chunk_under(pnl: Ints, lo: int, base: int, top: int) -> Ints:
    """The drawdown of each day of the chunk at `lo` (cumulative P&L `base` and running peak `top`
    before it): recomputed for the one or two chunks a drawdown's start or end lies in."""
    cum = np.add.accumulate(pnl[lo : lo + _CHUNK])
    peak = np.maximum.accumulate(cum)
    np.maximum(peak, top - base, out=peak)
    return np.subtract(peak, cum, out=peak)


def _sum_squares(values: Floats) -> float:
    """Σv² with BLAS dots on rows of _ROW: a multi-threaded dot (OpenBLAS: over 10,000 values)
    stalls for milliseconds when the cores are busy (a Lambda has about 2)."""
    if len(values) <= _ROW:
        return float(np.dot(values, values))
    rows = len(values) // _ROW
    body = values[: rows * _ROW].reshape(rows, _ROW)
    tail = values[rows * _ROW :]
    return float(np.vecdot(body, body).sum()) + float(np.dot(tail, tail))


def _pct_by_stretch(under: Ints, cumulative: Ints, capital: int) -> float | None:
    """The deepest point of each stretch under one peak over capital + that peak (any capital)."""
    peak = under + cumulative
    starts = np.r_[0, np.flatnonzero(peak[1:] != peak[:-1]) + 1]
    deepest_each = np.maximum.reduceat(under, starts)
    return finite(float((deepest_each / (peak[starts] + capital)).max()) * 100.0)


@dataclass
class _Scan:
    """What one pass over the daily P&L finds, chunk by chunk (see _scan)."""

    deepest: int = 0  # the max drawdown
    trough: int = 0  # its first day
    peak_at: int = -1  # the last day at the peak before it; -1: the start
    peak_before: int = -1  # no day at the peak in the trough's chunk: look before this chunk
    recovered: int = -1  # the first day at the peak again after it; -1: not yet
    ratio: float = 0.0  # the max drawdown over peak equity (capital > 0)
    squares: float = 0.0  # Σ(x − shift)²
    downside: float = 0.0  # Σ min(x, 0)²

    def deeper(self, under: Ints, t: int, lo: int, chunk: int) -> None:
        """A new max drawdown on day `t` of the chunk at `lo`: its peak and recovery, if in the chunk."""
        self.deepest, self.trough, self.peak_before = int(under[t]), lo + t, -1
        before = under[t::-1] == 0  # under[t] > 0
        back = int(before.argmax())
        if before[back]:
            self.peak_at = lo + t - back
        else:
            self.peak_before = chunk
        after = under[t:] == 0
        ahead = int(after.argmax())
        self.recovered = lo + t + ahead if after[ahead] else -1

    def deeper_pct(
        self, under: Ints, peak: Ints, equity: int, deepest: int, work: Floats, other: Floats
    ) -> None:
        """The max of the chunk's drawdowns over peak equity (equity + its peak), where it can beat
        the max so far: only if the deepest day over the lowest peak equity does (the peak only
        rises); with one peak all the chunk, the deepest day's is the max."""
        first = int(peak[0])
        bound = deepest / (equity + first)
        if bound <= self.ratio:
            return
        if first == int(peak[-1]):
            self.ratio = bound
            return
        np.add(peak, equity, out=peak)
        np.copyto(work, under)  # int64 → float64 apart, then divide: faster than dividing int64s
        np.copyto(other, peak)
        np.divide(work, other, out=work)
        self.ratio = max(self.ratio, float(work.max()))

    def add_squares(self, x: Ints, shift: int, values: Floats, down: Floats, zeros: Floats) -> None:
        np.copyto(values, x)  # the only int64 → float64 conversion
        np.minimum(values, zeros, out=down)  # an array of zeros: faster than the scalar 0.0
        self.downside += _sum_squares(down)
        if shift:
            np.subtract(values, float(shift), out=values)
        self.squares += _sum_squares(values)


def _scan(pnl: Ints, capital: int, shift: int, bases: list[int], tops: list[int], zero: list[bool]) -> _Scan:
    """One pass in chunks of _CHUNK days, every buffer reused: a chunk's arrays stay in the CPU
    cache, and in a Firecracker VM (Lambda) each freshly touched page costs microseconds.

    Per chunk: the cumulative P&L and its running peak from the chunk's start, the peak before it
    folded in (the drawdown is exact without adding the cumulative P&L before it to every day);
    the deepest day; the drawdown % where it can beat the max so far; the sums of squares.
    Appends to `bases`, `tops` and `zero` each chunk's cumulative P&L and running peak before it,
    and whether a day in it is at the peak (its highest cumulative P&L reaches the peak before it).
    """
    n = len(pnl)
    size = min(n, _CHUNK)
    cum, peak = np.empty(size, np.int64), np.empty(size, np.int64)
    values, spare, zeros = np.empty(size), np.empty(size), np.zeros(size)
    found = _Scan()
    base = top = 0
    for lo in range(0, n, size):
        x = pnl[lo : lo + size]
        if len(x) < size:
            m = len(x)
            cum, peak, values, spare, zeros = cum[:m], peak[:m], values[:m], spare[:m], zeros[:m]
        np.add.accumulate(x, out=cum)  # np.cumsum costs microseconds more a call
        net = int(cum[-1])
        np.maximum.accumulate(cum, out=peak)
        highest = base + int(peak[-1])
        bases.append(base)
        tops.append(top)
        zero.append(highest >= top)
        np.maximum(peak, top - base, out=peak)
        under = np.subtract(peak, cum, out=cum)  # the cumulative P&L is spent
        t = int(under.argmax())
        deepest = int(under[t])
        if deepest > found.deepest:
            found.deeper(under, t, lo, len(bases) - 1)
        elif found.recovered < 0 and found.deepest and zero[-1]:
            found.recovered = lo + int((under == 0).argmax())
        if capital > 0 and deepest:
            found.deeper_pct(under, peak, capital + base, deepest, values, spare)
        if n > 1:
            found.add_squares(x, shift, values, peak.view(np.float64), zeros)  # the peak is spent
        top = max(top, highest)
        base += net
    return found


def _last_at_peak(pnl: Ints, chunk: int, base: int, top: int) -> int:
    """The last day at the peak in `chunk` (one where some day is), its drawdown recomputed."""
    lo = chunk * _CHUNK
    return lo + int(np.flatnonzero(_chunk_under(pnl, lo, base, top) == 0)[-1])


def risk(pnl: Ints, capital: int | None) -> Risk:
    """Sharpe, Sortino and the max drawdown (INR, % of peak equity, days) in one pass (_scan)."""
    n = len(pnl)
    if n == 0:
        return Risk(None, None, 0, 0.0 if capital else None, 0)
    total = int(np.add.reduce(pnl))
    shift = total // n  # an integer near the mean: exact in float64 (see below)
    bases: list[int] = []
    tops: list[int] = []
    zero: list[bool] = []
    found = _scan(pnl, capital or 0, shift, bases, tops, zero)
    days = 0
    if found.deepest:
        peak_at = found.peak_at
        if found.peak_before >= 0:  # the last chunk before with a day at the peak, or the start
            earlier = [k for k in range(found.peak_before) if zero[k]]
            peak_at = (
                _last_at_peak(pnl, earlier[-1], bases[earlier[-1]], tops[earlier[-1]]) if earlier else -1
            )
        days = (found.recovered if found.recovered >= 0 else n - 1) - peak_at
    pct: float | None = None
    if capital and capital < 0:
        cumulative = np.cumsum(pnl)
        pct = _pct_by_stretch(drawdown(cumulative), cumulative, capital)
    elif capital:
        pct = finite(found.ratio * 100.0)
    if n < 2:
        return Risk(None, None, found.deepest, pct, days)
    # Σ(x − mean)² = Σy² − (Σy)²/n with y = x − shift: no cancellation, and a series of equal days
    # gives exactly 0; Σy is exact from the integer total
    offset = total - n * shift  # 0 <= offset < n
    centred = found.squares - offset * offset / n
    mean = total / n
    deviation = math.sqrt(centred / (n - 1)) if centred > 0 else 0.0
    down = math.sqrt(found.downside / n)
    return Risk(
        finite(mean / deviation * ANNUALISE) if deviation > 0 else None,
        finite(mean / down * ANNUALISE) if down > 0 else None,
        found.deepest,
        pct,
        days,
    )


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
