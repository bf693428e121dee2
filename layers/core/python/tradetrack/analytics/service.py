"""The logic behind /v1/analytics/*: read the user's trades once, compute, cache (analytics/cache.py).

Conventions (documented in the OpenAPI descriptions and the implementation note):
- P&L counts when realized: realizedPnl, charges and netPnl, the daily series and the time series
  add up the sales (realizations, analytics/realized.py) whose time falls in from/to (dates are
  whole IST days), of closed and open trades alike — a partial sale counts on its own day while
  the rest of the trade is still open. Each sale carries its share of its trade's charges, by
  units, so a closed trade's sales add up to its netPnl exactly. Without from/to the series runs
  from the first to the last sale.
- trade statistics (closedTrades, wins, losses, winRate, averages, largest win/loss, profitFactor,
  expectancy, and the time series' `trades`) are per trade closed in from/to, each with its whole
  net P&L.
- unrealizedPnl (open positions at the market cache's last known quotes, else the last fill's
  price) is reported beside netPnl, and only when the range reaches now. It is computed at read
  time, also when the rest of the summary comes from the cache, with `unrealizedStale` and
  `unrealizedAgeS` (the oldest quote's age) saying how current the quotes are.
- charges: as stored on the trade (`charges`, `chargesEstimated`: the fills' fees when every fill
  carried fees, else the schedule's estimate, analytics/trade_charges.py).
- books (tradetrack.book): every figure is of the real accounts unless the query names an account
  (a paper account's alone: `accountId=pa_…`) or asks `includePaper`; the tax P&L never mixes
  them (no includePaper) and says `paper: true` of a paper account's.
- tax P&L: per sale, in the FY of its IST sale date (analytics/tax.py); FMV on 31 Jan 2018 per ISIN
  for grandfathering is a parameter (empty: every such sale is listed in needsFmv).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import pymongo.errors
import redis
from pymongo.database import Database

from tradetrack.analytics import daily, grouped, metrics
from tradetrack.analytics.cache import through_cache
from tradetrack.analytics.fy_sales import fy_sales
from tradetrack.analytics.realized import Realized
from tradetrack.analytics.table import (
    FIELDS,
    WEEKDAYS,
    ClosedTrades,
    Events,
    Filters,
    closed_table,
    realized_in_range,
    split,
)
from tradetrack.analytics.tax import parse_fy
from tradetrack.analytics.tax_payload import tax_payload
from tradetrack.book import is_paper
from tradetrack.db import analytics as store
from tradetrack.db import daily_pnl as aggregates
from tradetrack.db.fmv import fmv_of
from tradetrack.db.users import get_user
from tradetrack.models.analytics import (
    BreakdownOut,
    DayPnlOut,
    GroupBy,
    GroupOut,
    Interval,
    PeriodOut,
    SummaryOut,
    TaxPnlOut,
    TimeseriesOut,
)
from tradetrack.money import money_str, optional_money_str
from tradetrack.observability import logger
from tradetrack.positions import Marks, open_trades, unrealized_marks
from tradetrack.queries import symbol_filter, time_range
from tradetrack.timeutil import today_ist

if TYPE_CHECKING:  # numpy's typing imports numpy: not at a cold start (tradetrack.coldstart)
    import numpy.typing as npt

    Ints: TypeAlias = npt.NDArray[np.int64]

Document = dict[str, Any]


@dataclass(frozen=True)
class AnalyticsQuery:
    account_id: str | None = None
    category: str | None = None
    symbol: str | None = None
    start: str | None = None  # ?from=
    end: str | None = None  # ?to=
    include_paper: bool = False  # ?includePaper=: paper accounts too when no account is named

    def filters(self) -> Filters:
        """Validated (400 for a bad date, symbol or an inverted range)."""
        symbol = symbol_filter(self.symbol).get("symbol")
        bounds = time_range("closedAt", self.start, self.end).get("closedAt", {})
        until = bounds.get("$lt", bounds.get("$lte"))
        return Filters(
            account_id=self.account_id,
            category=self.category,
            symbol=symbol,
            closed_from=bounds.get("$gte"),
            closed_until=until,
            until_inclusive="$lte" in bounds,
            include_paper=self.include_paper,
        )

    def params(self) -> Document:
        return {"accountId": self.account_id, "category": self.category, "symbol": self.symbol,
                "from": self.start, "to": self.end, "includePaper": self.include_paper}  # fmt: skip


def _capital(db: Database[Document], user_id: str) -> int | None:
    user = get_user(db, user_id) or {}
    capital = user.get("capital")
    return int(capital) if capital else None


def _kept(db: Database[Document], user_id: str, filters: Filters) -> list[Document]:
    return [doc for doc in store.user_trades(db, user_id, FIELDS) if filters.keeps(doc)]


def _load(db: Database[Document], user_id: str, filters: Filters) -> tuple[ClosedTrades, list[Document]]:
    """(closed trades in range with the range's sales, open trades) passing the filters."""
    docs = _kept(db, user_id, filters)
    closed, opened = split(docs, filters)
    return closed_table(closed, realized_in_range(docs, filters)), opened


def _stats_fields(stats: metrics.TradeStats, events: Events, chosen: Ints | None = None) -> Document:
    """Trade statistics of the closed trades, and P&L totals of the sales (`chosen` of `events`)."""
    gross = events.gross if chosen is None else events.gross[chosen]
    charges = events.charges if chosen is None else events.charges[chosen]
    return _fields_of(stats, int(gross.sum()), int(charges.sum()))


def _fields_of(stats: metrics.TradeStats, gross: int, charges: int) -> Document:
    """Trade statistics of the closed trades, and the sales' P&L totals (gross, charges)."""
    return {
        "realized_pnl": money_str(gross),
        "charges": money_str(charges),
        "net_pnl": money_str(gross - charges),
        "closed_trades": stats.closed,
        "wins": stats.wins,
        "losses": stats.losses,
        "breakeven": stats.breakeven,
        "win_rate": stats.win_rate,
        "avg_win": optional_money_str(stats.avg_win),
        "avg_loss": optional_money_str(stats.avg_loss),
        "largest_win": optional_money_str(stats.largest_win),
        "largest_loss": optional_money_str(stats.largest_loss),
        "profit_factor": stats.profit_factor,
        "expectancy": optional_money_str(stats.expectancy),
    }


def _day(found: grouped.DayPnl | None) -> DayPnlOut | None:
    if found is None:
        return None
    return DayPnlOut(date=date.fromordinal(found.day).isoformat(), net_pnl=money_str(found.pnl))


def _risk_fields(daily: metrics.Daily, capital: int | None) -> Document:
    """The daily-series fields of a summary, and of each group of a breakdown."""
    found = grouped.series_risk(daily, capital)
    return {
        "sharpe": found.risk.sharpe,
        "sortino": found.risk.sortino,
        "max_drawdown": money_str(found.risk.max_drawdown),
        "max_drawdown_pct": found.risk.max_drawdown_pct,
        "max_drawdown_days": found.risk.max_drawdown_days,
        "best_day": _day(found.best),
        "worst_day": _day(found.worst),
    }


def _daily(events: Events, filters: Filters) -> metrics.Daily:
    """The daily series of the sales' net P&L (`trades`: sales that day, which make a day active)."""
    return metrics.daily_series(events.day, events.net, filters.first_day, filters.last_day)


def compute_summary(
    closed: ClosedTrades, filters: Filters, capital: int | None, unrealized: tuple[int, int], now: datetime
) -> SummaryOut:
    events = closed.pnl_events()
    stats = metrics.trade_stats(closed.realized, closed.charges)
    return SummaryOut(
        **_stats_fields(stats, events),
        **_risk_fields(_daily(events, filters), capital),
        unrealized_pnl=money_str(unrealized[0]),
        charges_estimated=money_str(int(events.estimated.sum())),
        open_positions=unrealized[1],
        computed_at=now,
    )


def compute_summary_of_days(
    days: daily.Days, filters: Filters, capital: int | None, unrealized: tuple[int, int], now: datetime
) -> SummaryOut:
    """compute_summary from the per-day aggregates (analytics/daily.py): the same figures."""
    total = days.total()
    return SummaryOut(
        **_fields_of(daily.trade_stats(total), int(total["gross"]), int(total["charges"])),
        **_risk_fields(daily.daily(days, filters)[0], capital),
        unrealized_pnl=money_str(unrealized[0]),
        charges_estimated=money_str(int(total["estimated"])),
        open_positions=unrealized[1],
        computed_at=now,
    )


def _from_aggregates(
    db: Database[Document], user_id: str, filters: Filters, built: bool | None = None
) -> bool:
    """Whether this read takes the per-day aggregates (else every trade of the user is read)."""
    return daily.serves(filters) and (aggregates.is_built(db, user_id) if built is None else built)


def _with_marks(result: SummaryOut, marks: Marks) -> SummaryOut:
    return result.model_copy(
        update={
            "unrealized_pnl": money_str(marks.pnl),
            "open_positions": marks.positions,
            "unrealized_stale": marks.stale,
            "unrealized_age_s": marks.oldest_age_s,
        }
    )


def summary(db: Database[Document], cache: redis.Redis, user_id: str, query: AnalyticsQuery) -> SummaryOut:
    filters = query.filters()
    capital = _capital(db, user_id)
    read_at = datetime.now(UTC)
    built: bool | None = None  # whether the user's aggregates are built, once read
    marks = Marks()
    if filters.closed_until is None or filters.closed_until >= read_at:  # the range reaches now
        # at read time, from the open trades alone (not the history), cached summary or not
        built = aggregates.is_built(db, user_id)
        opened = [doc for doc in open_trades(db, user_id, built=built) if filters.keeps(doc)]
        marks = unrealized_marks(cache, opened, now=read_at)

    def compute(version: int | None) -> SummaryOut:
        now = datetime.now(UTC)
        if _from_aggregates(db, user_id, filters, built):
            days = daily.days_of(db, user_id, filters)
            result = compute_summary_of_days(days, filters, capital, marks.totals, now)
        else:
            closed, _ = _load(db, user_id, filters)
            result = compute_summary(closed, filters, capital, marks.totals, now)
        try:
            store.save_summary_snapshot(
                db, user_id, result.model_dump(by_alias=True, mode="json"),
                params=query.params(), version=version or 0, at=now,
            )  # fmt: skip
        except pymongo.errors.PyMongoError as exc:
            logger.warning("analytics snapshot not saved", extra={"error": str(exc)})
        return result

    params = {**query.params(), "capital": capital, "today": today_ist().isoformat()}
    return _with_marks(through_cache(cache, user_id, "summary", params, SummaryOut, compute), marks)


def _group_codes(closed: ClosedTrades, events: Events, group_by: GroupBy) -> tuple[Ints, Ints, list[str]]:
    """(codes of the closed trades, codes of the sales, labels): a group is a label of either."""
    if group_by == "weekday":
        return closed.open_weekday, events.open_weekday, list(WEEKDAYS)
    if group_by == "hour":
        return closed.open_hour, events.open_hour, [f"{hour:02d}:00" for hour in range(24)]
    field = "category" if group_by == "category" else "symbol"
    if events.per_trade:
        codes, labels = grouped.codes_of([str(doc.get(field)) for doc in closed.docs])
        return codes, codes, labels
    codes, labels = grouped.codes_of([str(doc.get(field)) for doc in [*closed.docs, *events.docs]])
    return codes[: len(closed)], codes[len(closed) :], labels


def compute_breakdown(
    closed: ClosedTrades, filters: Filters, capital: int | None, group_by: GroupBy, now: datetime
) -> BreakdownOut:
    """A grouped summary per group: the summary's fields over only that group's trades, same range
    (a group with sales but no closed trade in the range has P&L and no trade statistics)."""
    events = closed.pnl_events()
    trade_codes, sale_codes, labels = _group_codes(closed, events, group_by)
    grid = grouped.daily_grid(
        events.day, events.net, sale_codes, len(labels), filters.first_day, filters.last_day
    )
    trades, sales = grouped.members(trade_codes), grouped.members(sale_codes)
    none = np.zeros(0, np.int64)
    items = []
    for code in sorted(trades.keys() | sales.keys()):
        chosen = trades.get(code, none)
        stats = metrics.trade_stats(closed.realized[chosen], closed.charges[chosen])
        items.append(
            GroupOut(
                key=labels[code],
                **_stats_fields(stats, events, sales.get(code, none)),
                **_risk_fields(grid.row(code), capital),
            )
        )
    return BreakdownOut(group_by=group_by, items=items, computed_at=now)


def breakdown(
    db: Database[Document], cache: redis.Redis, user_id: str, query: AnalyticsQuery, group_by: GroupBy
) -> BreakdownOut:
    filters = query.filters()
    capital = _capital(db, user_id)

    def compute(_: int | None) -> BreakdownOut:
        closed = _load(db, user_id, filters)[0]
        return compute_breakdown(closed, filters, capital, group_by, datetime.now(UTC))

    params = {**query.params(), "capital": capital}
    return through_cache(cache, user_id, f"by-{group_by}", params, BreakdownOut, compute)


def _periods(daily_pnl: metrics.Daily, closes: Ints, interval: Interval, now: datetime) -> TimeseriesOut:
    """The daily net P&L folded into periods; `closes`: trades closed on each day of the series."""
    series = metrics.Daily(daily_pnl.days, daily_pnl.pnl, closes)
    items = [
        PeriodOut(
            period=p.label,
            net_pnl=money_str(p.net),
            cumulative_pnl=money_str(p.cumulative),
            drawdown=money_str(p.drawdown),
            trades=p.trades,
        )
        for p in metrics.periods(series, interval)
    ]
    return TimeseriesOut(interval=interval, items=items, computed_at=now)


def compute_timeseries(
    closed: ClosedTrades, filters: Filters, interval: Interval, now: datetime
) -> TimeseriesOut:
    """The daily net P&L of the sales folded into periods; `trades`: trades closed in each."""
    series = _daily(closed.pnl_events(), filters)
    return _periods(series, grouped.counts_on(series.days, closed.close_day), interval, now)


def compute_timeseries_of_days(
    days: daily.Days, filters: Filters, interval: Interval, now: datetime
) -> TimeseriesOut:
    """compute_timeseries from the per-day aggregates: the same periods."""
    series, closes = daily.daily(days, filters)
    return _periods(series, closes, interval, now)


def timeseries(
    db: Database[Document], cache: redis.Redis, user_id: str, query: AnalyticsQuery, interval: Interval
) -> TimeseriesOut:
    filters = query.filters()

    def compute(_: int | None) -> TimeseriesOut:
        now = datetime.now(UTC)
        if _from_aggregates(db, user_id, filters):
            return compute_timeseries_of_days(daily.days_of(db, user_id, filters), filters, interval, now)
        return compute_timeseries(_load(db, user_id, filters)[0], filters, interval, now)

    params = {**query.params(), "interval": interval}
    return through_cache(cache, user_id, "timeseries", params, TimeseriesOut, compute)


def compute_tax(
    sales: Iterable[Realized], fy: int, now: datetime, fmv: Mapping[str, int] | None = None
) -> TaxPnlOut:
    """The tax P&L of FY `fy` over `sales`; `fmv`: FMV on 31 Jan 2018 per unit by ISIN (scaled)."""
    return tax_payload(sales, fy, now, fmv or {})


def tax_pnl(
    db: Database[Document],
    cache: redis.Redis,
    user_id: str,
    query: AnalyticsQuery,
    fy_text: str | None,
    fmv: Mapping[str, int] | None = None,
) -> TaxPnlOut:
    filters = query.filters()
    fy = parse_fy(fy_text, today_ist())
    given = dict(fmv_of(db, user_id) if fmv is None else fmv)

    # the real accounts' tax P&L; a paper account's only when it is named, and then flagged paper
    filters = replace(filters, include_paper=False)
    paper = is_paper(filters.account_id)

    def compute(_: int | None) -> TaxPnlOut:
        # the real book's whole FY: its sales per pair (analytics/fy_sales.py) when they are built
        whole = replace(filters, until_inclusive=True) == Filters()  # no account, symbol, category, range
        sales = fy_sales(db, user_id, fy) if whole else None
        if sales is None:
            sales = realized_in_range(_kept(db, user_id, filters), filters).items
        return compute_tax(sales, fy, datetime.now(UTC), given).model_copy(update={"paper": paper})

    params = {**query.params(), "includePaper": False, "fy": fy, "fmv": sorted(given.items())}
    return through_cache(cache, user_id, "tax-pnl", params, TaxPnlOut, compute)
