"""Analytics payloads (API.md, "Analytics"): money as decimal strings, ratios as finite floats or null.

P&L is counted when realized: realizedPnl, charges and netPnl of a summary or a group, and the daily
and period series, add up the sales (realizations) in the range, of closed and open trades alike,
each with its share of its trade's charges (by units). The trade statistics (closedTrades, wins,
losses, winRate, averages, largest win/loss, profitFactor, expectancy) are per trade closed in
the range, each trade with its whole net P&L.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

Interval = Literal["day", "week", "month"]
GroupBy = Literal["category", "symbol", "weekday", "hour"]


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class TradeStatsOut(_Out):
    realized_pnl: str = Field(description="gross P&L of the range's sales (open trades' partial sales too)")
    charges: str = Field(description="those sales' shares of their trades' charges")
    net_pnl: str = Field(description="realizedPnl − charges")
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
    0 where nothing was sold): the summary's fields, also given for each group of a breakdown."""

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
    best_day: DayPnlOut | None = Field(description="the day with the highest net P&L among days with sales")
    worst_day: DayPnlOut | None = Field(description="the day with the lowest net P&L among days with sales")


class SummaryOut(RiskStatsOut):
    unrealized_pnl: str  # open positions at the last known quotes, computed at read time
    # True when a position has no quote (its last fill's price) or one older than 90 s
    unrealized_stale: bool = False
    unrealized_age_s: int | None = Field(
        None, description="age in seconds of the oldest quote behind unrealizedPnl; null: none"
    )
    charges_estimated: str  # the part of `charges` from the schedule (trades whose fills had no fees)
    open_positions: int
    computed_at: datetime
    cached: bool = False


class GroupOut(RiskStatsOut):
    """A grouped summary: the summary's definitions over only this group's trades, on the same range
    of days as the summary (a group's days without sales count as 0)."""

    key: str = Field(description="the category, symbol, weekday (IST, opened) or hour (IST, opened, HH:00)")


class BreakdownOut(_Out):
    group_by: GroupBy
    items: list[GroupOut]
    computed_at: datetime
    cached: bool = False


class PeriodOut(_Out):
    period: str
    net_pnl: str = Field(description="net P&L of the period's sales (partial sales of open trades too)")
    cumulative_pnl: str
    drawdown: str
    trades: int = Field(description="trades closed in the period")


class TimeseriesOut(_Out):
    interval: Interval
    items: list[PeriodOut]
    computed_at: datetime
    cached: bool = False


Head = Literal["speculative", "stcg", "ltcg", "non_speculative"]
Bucket = Literal["before_2024_07_23", "from_2024_07_23"]


class TaxHeadOut(_Out):
    realized_pnl: str = Field(description="gross gains of the head's sales in the FY (after grandfathering)")
    charges: str
    net_pnl: str
    turnover: str = Field(description="Σ |gross| per sale (ICAI Guidance Note on Tax Audit, 2022)")
    trades: int = Field(description="trades with a sale under this head in the FY")


class TaxBucketOut(_Out):
    """STCG or LTCG of the sales before 23 Jul 2024 or on/after it (Finance (No. 2) Act 2024)."""

    bucket: Bucket
    rate: str = Field(description="tax rate in percent: s.111A 15 → 20, s.112A 10 → 12.5")
    realized_pnl: str
    charges: str
    net_pnl: str
    sales: int


class FmvNeededOut(_Out):
    """Shares acquired before 1 Feb 2018 sold as LTCG without a 31 Jan 2018 FMV: actual cost used."""

    isin: str | None
    symbol: str


class TaxRowOut(_Out):
    """One sale: the units of one lot closed by one fill."""

    trade_id: str
    symbol: str
    exchange: str
    isin: str | None = None
    head: Head
    bucket: Bucket | None = Field(default=None, description="capital-gains heads only")
    opened_at: datetime = Field(description="when the sold lot was acquired")
    closed_at: datetime = Field(description="when it was sold")
    acquired_on: date = Field(description="IST date the lot was acquired")
    sold_on: date = Field(description="IST date of the sale")
    holding_days: int
    quantity: int = Field(description="units sold")
    buy_value: str = Field(description="the lot's actual cost of these units")
    sell_value: str
    cost: str = Field(description="cost of acquisition used: buyValue or the grandfathered cost, s.55(2)(ac)")
    grandfathered: bool = False
    realized_pnl: str = Field(description="gross: sellValue − cost (signed P&L for the business heads)")
    charges: str = Field(description="the sale's share of its trade's charges")
    net_pnl: str


class TaxPnlOut(_Out):
    fy: str
    speculative: TaxHeadOut
    stcg: TaxHeadOut
    ltcg: TaxHeadOut
    non_speculative: TaxHeadOut
    stcg_buckets: list[TaxBucketOut]
    ltcg_buckets: list[TaxBucketOut]
    ltcg_exemption: str | None = Field(
        description="s.112A exemption on the FY's aggregate LTCG: ₹1 lakh, ₹1.25 lakh from FY 2024-25"
    )
    needs_fmv: list[FmvNeededOut]
    items: list[TaxRowOut] = Field(description="one row per sale in the FY, by sale time")
    paper: bool = Field(
        False,
        description="true: these are a paper account's simulated trades (accountId=pa_…), not a tax "
        "figure; the default report is of the real accounts only, paper accounts never in it",
    )
    computed_at: datetime
    cached: bool = False
