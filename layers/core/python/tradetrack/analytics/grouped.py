"""The summary's daily-series fields, for the summary and for each group of a breakdown (API.md, "Analytics").

One code path: `series_risk` turns a daily net P&L series into sharpe, sortino, the drawdown and the
best/worst day (metrics.risk, unchanged), for the summary's series and for every group's.
A group's series is the summary's for that group's trades alone: every NSE trading day of the range
the summary uses (0 where the group sold nothing) plus any other day the group itself sold
something (a Muhurat session). The series add up sales (realizations, analytics/table.Events): a
day "with sales" has a realization, whether or not a trade closed on it. All groups are laid out
at once in one groups × days matrix (np.add.at, np.bincount): 16 bytes a cell, e.g. 500 symbols
over five years ≈ 10 MB.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from tradetrack.analytics import metrics

if TYPE_CHECKING:  # numpy's typing imports numpy: not at a cold start (tradetrack.coldstart)
    import numpy.typing as npt

    Ints: TypeAlias = npt.NDArray[np.int64]
    Bools: TypeAlias = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class DayPnl:
    day: int  # date ordinal
    pnl: int  # net P&L realized that day (scaled)


@dataclass(frozen=True)
class SeriesRisk:
    risk: metrics.Risk
    best: DayPnl | None  # among the days something was sold
    worst: DayPnl | None


def _day_at(daily: metrics.Daily, index: int) -> DayPnl:
    return DayPnl(int(daily.days[index]), int(daily.pnl[index]))


def series_risk(daily: metrics.Daily, capital: int | None) -> SeriesRisk:
    """metrics.risk of the series, with its best and worst day (first on ties) among days with sales."""
    active = np.flatnonzero(daily.trades > 0)
    best = worst = None
    if len(active):
        pnl = daily.pnl[active]
        best = _day_at(daily, int(active[np.argmax(pnl)]))
        worst = _day_at(daily, int(active[np.argmin(pnl)]))
    return SeriesRisk(metrics.risk(daily.pnl, capital), best, worst)


@dataclass(frozen=True)
class DailyGrid:
    """Every group's daily series over the summary's days (columns)."""

    days: Ints  # the summary's series: date ordinals, ascending
    trading: Bools  # which of `days` are NSE trading days (in every group's series)
    pnl: Ints  # groups × days, net P&L realized
    trades: Ints  # groups × days, sales

    def row(self, group: int) -> metrics.Daily:
        """The group's series: the trading days and the other days on which the group sold."""
        trades = self.trades[group]
        present = self.trading | (trades > 0)
        if bool(present.all()):
            return metrics.Daily(self.days, self.pnl[group], trades)
        return metrics.Daily(self.days[present], self.pnl[group, present], trades[present])


def _column_of(days: Ints, close_day: Ints) -> tuple[Ints, Bools]:
    """(column, inside): each close day's column in `days`, and whether it is one of them."""
    column = np.searchsorted(days, close_day)
    clipped = np.minimum(column, max(len(days) - 1, 0))
    inside = (column < len(days)) & (days[clipped] == close_day) if len(days) else column < 0
    return column, inside


def counts_on(days: Ints, at: Ints) -> Ints:
    """How many of `at` (date ordinals) fall on each of `days` (ascending); the rest are not counted."""
    column, inside = _column_of(days, at)
    return np.bincount(column[inside], minlength=len(days)).astype(np.int64)


def daily_grid(
    close_day: Ints, net: Ints, codes: Ints, groups: int, first: date | None, last: date | None
) -> DailyGrid:
    """Sale i (on close_day[i], net[i]) in group codes[i] ∈ [0, groups); range as daily_series."""
    days = metrics.daily_series(close_day, net, first, last).days
    trading = np.zeros(0, np.bool_)
    if len(days):
        trading = np.isin(days, metrics.trading_days(int(days[0]), int(days[-1])))
    column, inside = _column_of(days, close_day)
    cell = codes[inside] * len(days) + column[inside]
    pnl = np.zeros(groups * len(days), np.int64)
    np.add.at(pnl, cell, net[inside])
    trades = np.bincount(cell, minlength=groups * len(days)).astype(np.int64)
    shape = (groups, len(days))
    return DailyGrid(days, trading, pnl.reshape(shape), trades.reshape(shape))


def codes_of(values: list[str]) -> tuple[Ints, list[str]]:
    """(codes, labels): labels sorted, values[i] == labels[codes[i]] (np.unique on objects is slower)."""
    first_seen: dict[str, int] = {}
    seen = np.fromiter(
        (first_seen.setdefault(value, len(first_seen)) for value in values), np.int64, count=len(values)
    )
    labels = sorted(first_seen)
    rank = np.empty(len(labels), np.int64)
    rank[[first_seen[label] for label in labels]] = np.arange(len(labels), dtype=np.int64)
    return rank[seen], labels


def members(codes: Ints) -> dict[int, Ints]:
    """The indices of each code's members, for each code present."""
    if len(codes) == 0:
        return {}
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    ends = np.r_[starts[1:], len(codes)]
    return {int(sorted_codes[s]): order[s:e] for s, e in zip(starts, ends, strict=True)}
