"""Analytics payloads (API.md, "Analytics"): money as decimal strings, ratios as finite floats or null."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

Interval = Literal["day", "week", "month"]
GroupBy = Literal["category", "symbol", "weekday", "hour"]


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class TradeStatsOut(_Out):
    realized_pnl: str
    charges: str
    net_pnl: str
    closed_trades: int
    wins: int
    losses: int
    breakeven: int
    win_rate: float | None
    avg_win: str | None
    avg_loss: str | None
    largest_win: str | None
    largest_loss: str | None
    profit_factor: float | None
    expectancy: str | None


class DayPnlOut(_Out):
    date: str
    net_pnl: str


class RiskStatsOut(TradeStatsOut):
    """Trade statistics and the risk of the daily net P&L series (every NSE trading day of the range,
    0 where nothing closed): the summary's fields, also given for each group of a breakdown."""

    sharpe: float | None = Field(
        description="mean / standard deviation (ddof=1) of the daily returns × √252; "
        "null with fewer than 2 days or no variation"
    )
    sortino: float | None = Field(
        description="mean daily return / downside deviation over all days × √252; "
        "null with fewer than 2 days or no losing day"
    )
    max_drawdown: str = Field(description="largest fall of cumulative net P&L from a running peak, INR")
    max_drawdown_pct: float | None = Field(
        description="largest drawdown as a percent of peak equity (capital + cumulative net P&L); "
        "null without the user's capital"
    )
    max_drawdown_days: int = Field(
        description="days of the daily series from the peak to recovery (or to its end)"
    )
    best_day: DayPnlOut | None = Field(description="the day with the highest net P&L among days with closes")
    worst_day: DayPnlOut | None = Field(description="the day with the lowest net P&L among days with closes")


class SummaryOut(RiskStatsOut):
    unrealized_pnl: str
    charges_estimated: str  # the part of `charges` from the schedule (trades whose fills had no fees)
    open_positions: int
    computed_at: datetime
    cached: bool = False


class GroupOut(RiskStatsOut):
    """A grouped summary: the summary's definitions over only this group's trades, on the same range
    of days as the summary (a group's days without closes count as 0)."""

    key: str = Field(description="the category, symbol, weekday (IST, opened) or hour (IST, opened, HH:00)")


class BreakdownOut(_Out):
    group_by: GroupBy
    items: list[GroupOut]
    computed_at: datetime
    cached: bool = False


class PeriodOut(_Out):
    period: str
    net_pnl: str
    cumulative_pnl: str
    drawdown: str
    trades: int


class TimeseriesOut(_Out):
    interval: Interval
    items: list[PeriodOut]
    computed_at: datetime
    cached: bool = False


class TaxHeadOut(_Out):
    realized_pnl: str
    charges: str
    net_pnl: str
    turnover: str
    trades: int


class TaxRowOut(_Out):
    trade_id: str
    symbol: str
    exchange: str
    head: Literal["speculative", "stcg", "ltcg", "non_speculative"]
    opened_at: datetime
    closed_at: datetime
    holding_days: int
    quantity: int
    realized_pnl: str
    charges: str
    net_pnl: str


class TaxPnlOut(_Out):
    fy: str
    speculative: TaxHeadOut
    stcg: TaxHeadOut
    ltcg: TaxHeadOut
    non_speculative: TaxHeadOut
    items: list[TaxRowOut]
    computed_at: datetime
    cached: bool = False
