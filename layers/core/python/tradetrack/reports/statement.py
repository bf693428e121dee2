"""The monthly statement (PDF): the month's summary metrics, equity curve and drawdown charts, a
P&L calendar and the top trades, from the figures GET /v1/analytics/summary and /timeseries serve
for the month and the trades closed in it (nothing is computed again here)."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from tradetrack.display import amount
from tradetrack.models.analytics import PeriodOut, SummaryOut
from tradetrack.models.trades import TradeOut
from tradetrack.reports.layout import Cell, Column, Section
from tradetrack.reports.pdf import A4_PORTRAIT, PdfDocument, Rgb
from tradetrack.reports.render import MARGIN, TablePages

GREEN: Rgb = (0.80, 0.93, 0.82)
RED: Rgb = (0.97, 0.82, 0.82)
BLUE: Rgb = (0.12, 0.38, 0.75)
DARK_RED: Rgb = (0.75, 0.15, 0.15)
TOP = 5
TOP_COLUMNS = (
    Column("Symbol", "text", 1.6),
    Column("Direction", "text", 0.8),
    Column("Opened", "datetime", 1.3),
    Column("Closed", "datetime", 1.3),
    Column("Quantity", "int", 0.8),
    Column("Net P&L", "money"),
)


@dataclass(frozen=True)
class Statement:
    month: date  # its first day
    summary: SummaryOut
    days: Sequence[PeriodOut]  # the daily series of the month
    closed: Sequence[TradeOut]  # trades closed in the month: at least the best and worst TOP of them


def month_of(period: str) -> date:
    """ "2025-06" → 2025-06-01."""
    return date(int(period[:4]), int(period[5:7]), 1)


def month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _money(text: str | None) -> str:
    return "-" if text is None else amount(Decimal(text), symbol="")


def _ratio(value: float | None, *, percent: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value * 100:.1f}%" if percent else f"{value:.2f}"


def metrics(summary: SummaryOut) -> list[tuple[str, str]]:
    best = summary.best_day
    worst = summary.worst_day
    return [
        ("Net P&L", _money(summary.net_pnl)),
        ("Realized P&L", _money(summary.realized_pnl)),
        ("Charges", _money(summary.charges)),
        ("Closed trades", str(summary.closed_trades)),
        ("Win rate", _ratio(summary.win_rate, percent=True)),
        ("Profit factor", _ratio(summary.profit_factor)),
        ("Expectancy", _money(summary.expectancy)),
        ("Winning trades", f"{summary.wins} of {summary.closed_trades}"),
        ("Largest win", _money(summary.largest_win)),
        ("Largest loss", _money(summary.largest_loss)),
        ("Max drawdown", _money(summary.max_drawdown)),
        ("Best and worst day", f"{best.date[5:] if best else '-'} and {worst.date[5:] if worst else '-'}"),
    ]


def top_trades(closed: Sequence[TradeOut]) -> tuple[list[TradeOut], list[TradeOut]]:
    """The month's best (net P&L > 0, highest first) and worst (< 0, lowest first), five each."""
    ranked = sorted(closed, key=lambda trade: (Decimal(trade.net_pnl), trade.trade_id))
    worst = [trade for trade in ranked if Decimal(trade.net_pnl) < 0][:TOP]
    best = [trade for trade in reversed(ranked) if Decimal(trade.net_pnl) > 0][:TOP]
    return best, worst


def _chart(
    doc: PdfDocument, y: float, height: float, title: str, values: Sequence[Decimal], rgb: Rgb
) -> None:
    """A line chart of `values` (one a day) in a box `height` points tall whose top is at y."""
    width = doc.width - 2 * MARGIN
    doc.text(MARGIN, y + 9, title, size=9.5, bold=True)
    top, bottom = y + 16, y + height
    doc.band(MARGIN, top, width, bottom - top, gray=0.97)
    low, high = min([Decimal(0), *values]), max([Decimal(0), *values])
    span = (high - low) or Decimal(1)

    def y_of(value: Decimal) -> float:
        return bottom - 4 - float((value - low) / span) * (bottom - top - 8)

    doc.rule(MARGIN, y_of(Decimal(0)), MARGIN + width, y_of(Decimal(0)), width=0.3)
    step = (width - 70) / max(len(values) - 1, 1)
    doc.polyline([(MARGIN + 64 + i * step, y_of(v)) for i, v in enumerate(values)], width=1.2, rgb=rgb)
    doc.text(MARGIN + 60, top + 8, amount(high, symbol=""), size=6.5, align="right")
    doc.text(MARGIN + 60, bottom - 2, amount(low, symbol=""), size=6.5, align="right")


def _calendar(doc: PdfDocument, y: float, first: date, days: Sequence[PeriodOut]) -> float:
    """The month as weeks (Monday first), each day with its net P&L; the y below it."""
    doc.text(MARGIN, y + 9, "P&L calendar", size=9.5, bold=True)
    y += 16
    net = {item.period: Decimal(item.net_pnl) for item in days}
    trades = {item.period: item.trades for item in days}
    width = (doc.width - 2 * MARGIN) / 7
    for column, name in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")):
        doc.text(MARGIN + column * width + 3, y + 8, name, size=7, bold=True)
    y += 12
    height = 34.0
    for week in calendar.Calendar().monthdatescalendar(first.year, first.month):
        for column, day in enumerate(week):
            x = MARGIN + column * width
            if day.month != first.month:
                continue
            value = net.get(day.isoformat())
            if value:
                doc.band(x + 1, y + 1, width - 2, height - 2, rgb=GREEN if value > 0 else RED)
            doc.text(x + 4, y + 10, str(day.day), size=7)
            if value is not None and (value or trades.get(day.isoformat())):
                doc.text(x + width - 4, y + 24, amount(value, symbol=""), size=7.5, bold=True, align="right")
        y += height
    return y


def statement_pdf(statement: Statement, generated_at: datetime) -> bytes:
    first = statement.month
    name = f"{calendar.month_name[first.month]} {first.year}"
    doc = PdfDocument(A4_PORTRAIT, title=f"TradeTrack monthly statement, {name}")
    doc.new_page()
    doc.text(MARGIN, MARGIN + 14, f"Monthly statement, {name}", size=16, bold=True)
    doc.text(MARGIN, MARGIN + 28, f"{first.isoformat()} to {month_end(first).isoformat()}; generated "
             f"{generated_at.isoformat(timespec='seconds')}; amounts in Rs", size=7.5)  # fmt: skip
    y = MARGIN + 42
    cell = (doc.width - 2 * MARGIN) / 4
    for index, (label, value) in enumerate(metrics(statement.summary)):
        x, top = MARGIN + (index % 4) * cell, y + (index // 4) * 32
        doc.band(x + 1, top, cell - 2, 29, gray=0.95)
        doc.text(x + 6, top + 10, label, size=7)
        doc.text(x + 6, top + 24, value, size=11, bold=True)
    y += 3 * 32 + 10
    cumulative = [Decimal(item.cumulative_pnl) for item in statement.days]
    _chart(doc, y, 140, "Equity curve (cumulative net P&L)", cumulative, BLUE)
    y += 150
    _chart(doc, y, 80, "Drawdown", [-Decimal(item.drawdown) for item in statement.days], DARK_RED)
    y += 90
    _calendar(doc, y, first, statement.days)
    best, worst = top_trades(statement.closed)
    pages = TablePages(doc, f"TradeTrack monthly statement, {name}")
    for title, trades in (("Top trades", best), ("Worst trades", worst)):
        rows: list[list[Cell]] = [
            [t.symbol, t.direction, t.opened_at, t.closed_at, t.quantity, Decimal(t.net_pnl)] for t in trades
        ]
        pages.section(Section(title, TOP_COLUMNS, rows, note="" if rows else "none this month"))
    count = len(doc.pages)
    for index in range(count):
        doc.text(doc.width - MARGIN, doc.height - MARGIN + 6, f"page {index + 1} of {count}", size=7,
                 align="right", page=index)  # fmt: skip
    return doc.to_bytes()
