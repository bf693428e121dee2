"""The logic behind /v1/analytics/*: read the user's trades once, compute, cache (analytics/cache.py).

Conventions (documented in the OpenAPI descriptions and the implementation note):
- from/to select closed trades by when they closed (dates are whole IST days) and bound the daily
  series; without them the series runs from the first to the last close.
- netPnl = realizedPnl − charges of the closed trades; unrealizedPnl (open positions at marks:
  market cache, else the last fill's price) is reported beside it, and only when the range reaches
  now. A partly closed trade counts when it closes.
- charges: the fills' fees when they carried any, else the schedule's estimate (analytics/charges.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pymongo.errors
import redis
from pymongo.database import Database

from tradetrack.analytics import grouped, metrics
from tradetrack.analytics.cache import through_cache
from tradetrack.analytics.table import FIELDS, WEEKDAYS, ClosedTrades, Filters, closed_table, split, today_ist
from tradetrack.analytics.tax import fy_label, parse_fy, tax_report
from tradetrack.db import analytics as store
from tradetrack.db.users import get_user
from tradetrack.models.analytics import (
    BreakdownOut,
    DayPnlOut,
    GroupBy,
    GroupOut,
    Interval,
    PeriodOut,
    SummaryOut,
    TaxHeadOut,
    TaxPnlOut,
    TaxRowOut,
    TimeseriesOut,
)
from tradetrack.money import money_str, optional_money_str
from tradetrack.observability import logger
from tradetrack.positions import unrealized_pnl
from tradetrack.queries import symbol_filter, time_range

Document = dict[str, Any]


@dataclass(frozen=True)
class AnalyticsQuery:
    account_id: str | None = None
    category: str | None = None
    symbol: str | None = None
    start: str | None = None  # ?from=
    end: str | None = None  # ?to=

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
        )

    def params(self) -> Document:
        return {"accountId": self.account_id, "category": self.category, "symbol": self.symbol,
                "from": self.start, "to": self.end}  # fmt: skip


def _capital(db: Database[Document], user_id: str) -> int | None:
    user = get_user(db, user_id) or {}
    capital = user.get("capital")
    return int(capital) if capital else None


def _load(db: Database[Document], user_id: str, filters: Filters) -> tuple[ClosedTrades, list[Document]]:
    closed, opened = split(store.user_trades(db, user_id, FIELDS), filters)
    return closed_table(closed), opened


def _stats_fields(stats: metrics.TradeStats) -> Document:
    return {
        "realized_pnl": money_str(stats.realized),
        "charges": money_str(stats.charges),
        "net_pnl": money_str(stats.net),
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


def compute_summary(
    closed: ClosedTrades, filters: Filters, capital: int | None, unrealized: tuple[int, int], now: datetime
) -> SummaryOut:
    stats = metrics.trade_stats(closed.realized, closed.charges)
    daily = metrics.daily_series(closed.close_day, closed.net, filters.first_day, filters.last_day)
    return SummaryOut(
        **_stats_fields(stats),
        **_risk_fields(daily, capital),
        unrealized_pnl=money_str(unrealized[0]),
        charges_estimated=money_str(int(closed.estimated.sum())),
        open_positions=unrealized[1],
        computed_at=now,
    )


def summary(db: Database[Document], cache: redis.Redis, user_id: str, query: AnalyticsQuery) -> SummaryOut:
    filters = query.filters()
    capital = _capital(db, user_id)

    def compute(version: int | None) -> SummaryOut:
        now = datetime.now(UTC)
        closed, opened = _load(db, user_id, filters)
        reaches_now = filters.closed_until is None or filters.closed_until >= now
        marks = unrealized_pnl(cache, opened) if reaches_now else (0, 0)
        result = compute_summary(closed, filters, capital, marks, now)
        try:
            store.save_summary_snapshot(
                db, user_id, result.model_dump(by_alias=True, mode="json"),
                params=query.params(), version=version or 0, at=now,
            )  # fmt: skip
        except pymongo.errors.PyMongoError as exc:
            logger.warning("analytics snapshot not saved", extra={"error": str(exc)})
        return result

    params = {**query.params(), "capital": capital, "today": today_ist().isoformat()}
    return through_cache(cache, user_id, "summary", params, SummaryOut, compute)


def _codes_of(values: list[str]) -> tuple[npt.NDArray[np.int64], list[str]]:
    """(codes, labels): labels sorted, values[i] == labels[codes[i]] (np.unique on objects is slower)."""
    first_seen: dict[str, int] = {}
    seen = np.fromiter(
        (first_seen.setdefault(value, len(first_seen)) for value in values), np.int64, count=len(values)
    )
    labels = sorted(first_seen)
    rank = np.empty(len(labels), np.int64)
    rank[[first_seen[label] for label in labels]] = np.arange(len(labels), dtype=np.int64)
    return rank[seen], labels


def _group_codes(closed: ClosedTrades, group_by: GroupBy) -> tuple[npt.NDArray[np.int64], list[str]]:
    if group_by == "weekday":
        return closed.open_weekday, list(WEEKDAYS)
    if group_by == "hour":
        return closed.open_hour, [f"{hour:02d}:00" for hour in range(24)]
    field = "category" if group_by == "category" else "symbol"
    return _codes_of([str(doc.get(field)) for doc in closed.docs])


def _members(codes: npt.NDArray[np.int64]) -> list[tuple[int, npt.NDArray[np.int64]]]:
    """(code, indices of its trades) for each code present, ascending."""
    if len(codes) == 0:
        return []
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    ends = np.r_[starts[1:], len(codes)]
    return [(int(sorted_codes[s]), order[s:e]) for s, e in zip(starts, ends, strict=True)]


def compute_breakdown(
    closed: ClosedTrades, filters: Filters, capital: int | None, group_by: GroupBy, now: datetime
) -> BreakdownOut:
    """A grouped summary per group: the summary's fields over only that group's trades, same range."""
    codes, labels = _group_codes(closed, group_by)
    net = closed.net
    grid = grouped.daily_grid(closed.close_day, net, codes, len(labels), filters.first_day, filters.last_day)
    items = [
        GroupOut(
            key=labels[code],
            **_stats_fields(metrics.trade_stats(closed.realized[chosen], closed.charges[chosen])),
            **_risk_fields(grid.row(code), capital),
        )
        for code, chosen in _members(codes)
    ]
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


def compute_timeseries(
    closed: ClosedTrades, filters: Filters, interval: Interval, now: datetime
) -> TimeseriesOut:
    daily = metrics.daily_series(closed.close_day, closed.net, filters.first_day, filters.last_day)
    items = [
        PeriodOut(
            period=p.label,
            net_pnl=money_str(p.net),
            cumulative_pnl=money_str(p.cumulative),
            drawdown=money_str(p.drawdown),
            trades=p.trades,
        )
        for p in metrics.periods(daily, interval)
    ]
    return TimeseriesOut(interval=interval, items=items, computed_at=now)


def timeseries(
    db: Database[Document], cache: redis.Redis, user_id: str, query: AnalyticsQuery, interval: Interval
) -> TimeseriesOut:
    filters = query.filters()

    def compute(_: int | None) -> TimeseriesOut:
        return compute_timeseries(_load(db, user_id, filters)[0], filters, interval, datetime.now(UTC))

    params = {**query.params(), "interval": interval}
    return through_cache(cache, user_id, "timeseries", params, TimeseriesOut, compute)


def compute_tax(closed: ClosedTrades, fy: int, now: datetime) -> TaxPnlOut:
    report = tax_report(closed, fy)
    heads = {
        head: TaxHeadOut(
            realized_pnl=money_str(total.realized),
            charges=money_str(total.charges),
            net_pnl=money_str(total.net),
            turnover=money_str(total.turnover),
            trades=total.trades,
        )
        for head, total in report.totals.items()
    }
    rows = [
        TaxRowOut(
            trade_id=row.doc["_id"],
            symbol=row.doc["symbol"],
            exchange=row.doc["exchange"],
            head=row.head,
            opened_at=row.opened_at,
            closed_at=row.closed_at,
            holding_days=row.holding_days,
            quantity=int(row.doc.get("quantity") or 0),
            realized_pnl=money_str(row.realized),
            charges=money_str(row.charges),
            net_pnl=money_str(row.realized - row.charges),
        )
        for row in report.rows
    ]
    return TaxPnlOut(fy=fy_label(fy), items=rows, computed_at=now, **heads)


def tax_pnl(
    db: Database[Document], cache: redis.Redis, user_id: str, query: AnalyticsQuery, fy_text: str | None
) -> TaxPnlOut:
    filters = query.filters()
    fy = parse_fy(fy_text, today_ist())

    def compute(_: int | None) -> TaxPnlOut:
        return compute_tax(_load(db, user_id, filters)[0], fy, datetime.now(UTC))

    return through_cache(cache, user_id, "tax-pnl", {**query.params(), "fy": fy}, TaxPnlOut, compute)
