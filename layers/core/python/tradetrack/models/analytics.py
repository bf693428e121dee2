"""Analytics payloads (API.md, "Analytics"): money as decimal strings, ratios as finite floats or null."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict
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


class SummaryOut(TradeStatsOut):
    unrealized_pnl: str
    charges_estimated: str  # the part of `charges` from the schedule (trades whose fills had no fees)
    open_positions: int
    sharpe: float | None
    sortino: float | None
    max_drawdown: str
    max_drawdown_pct: float | None
    max_drawdown_days: int
    best_day: DayPnlOut | None
    worst_day: DayPnlOut | None
    computed_at: datetime
    cached: bool = False


class GroupOut(TradeStatsOut):
    key: str


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
