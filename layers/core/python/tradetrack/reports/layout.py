"""What a report shows, independent of its file format: sheets of titled sections, each a table.

The tax P&L is laid out like a broker's tax P&L statement from the figures GET
/v1/analytics/tax-pnl serves (tradetrack.analytics.tax_payload): nothing is computed again here.
Per-scrip rows group that payload's per-sale rows by head and instrument (exact Decimal sums); the
head totals, the 23 July 2024 split, turnover and the s.112A exemption are the payload's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from tradetrack.display import amount
from tradetrack.models.analytics import TaxBucketOut, TaxHeadOut, TaxPnlOut, TaxRowOut
from tradetrack.models.trades import TradeOut

Cell = str | int | Decimal | date | datetime | None
Kind = Literal["text", "int", "money", "rate", "date", "datetime"]

HEAD_TITLES = {
    "speculative": "Intraday equity (speculative business income)",
    "stcg": "Short-term capital gains (STCG)",
    "ltcg": "Long-term capital gains (LTCG)",
    "non_speculative": "F&O (non-speculative business income)",
}
SHEET_NAMES = {"speculative": "Speculative", "stcg": "STCG", "ltcg": "LTCG", "non_speculative": "F&O"}
BUCKET_TITLES = {"before_2024_07_23": "before 23 Jul 2024", "from_2024_07_23": "on or after 23 Jul 2024"}


@dataclass(frozen=True)
class Column:
    title: str
    kind: Kind = "text"
    weight: float = 1.0  # share of the page width in the PDF


@dataclass(frozen=True)
class Section:
    heading: str
    columns: tuple[Column, ...]
    rows: list[list[Cell]]
    total: list[Cell] | None = None
    note: str = ""


@dataclass(frozen=True)
class Sheet:
    name: str  # the XLSX tab (at most 31 characters)
    title: str
    sections: list[Section] = field(default_factory=list)


def money(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _sum(values: Iterable[Cell]) -> Decimal:
    return sum((value for value in values if isinstance(value, Decimal)), Decimal(0))


# ---- tax P&L -----------------------------------------------------------------------------------

_SUMMARY = (
    Column("Head", "text", 3.2),
    Column("Trades", "int", 0.7),
    Column("Turnover", "money"),
    Column("Realized P&L", "money"),
    Column("Charges", "money"),
    Column("Net P&L", "money"),
)
_SPLIT = (
    Column("Head", "text", 1.6),
    Column("Sold", "text", 1.6),
    Column("Rate %", "rate", 0.7),
    Column("Sales", "int", 0.7),
    Column("Realized P&L", "money"),
    Column("Charges", "money"),
    Column("Net P&L", "money"),
)
_SCRIPS = (
    Column("Symbol", "text", 1.6),
    Column("Exchange", "text", 0.7),
    Column("ISIN", "text", 1.2),
    Column("Sales", "int", 0.6),
    Column("Quantity", "int", 0.8),
    Column("Entry value", "money"),
    Column("Exit value", "money"),
    Column("Cost", "money"),
    Column("Realized P&L", "money"),
    Column("Charges", "money"),
    Column("Net P&L", "money"),
)
_SALES = (
    Column("Symbol", "text", 1.5),
    Column("ISIN", "text", 1.1),
    Column("Acquired", "date", 0.8),
    Column("Sold", "date", 0.8),
    Column("Days", "int", 0.5),
    Column("Quantity", "int", 0.7),
    Column("Entry value", "money"),
    Column("Exit value", "money"),
    Column("Cost", "money"),
    Column("Realized P&L", "money"),
    Column("Charges", "money"),
    Column("Net P&L", "money"),
    Column("Period", "text", 1.3),
)


def _head_row(title: str, head: TaxHeadOut) -> list[Cell]:
    return [
        title,
        head.trades,
        money(head.turnover),
        money(head.realized_pnl),
        money(head.charges),
        money(head.net_pnl),
    ]


def _split_rows(head: str, buckets: Sequence[TaxBucketOut]) -> list[list[Cell]]:
    return [
        [
            head,
            BUCKET_TITLES[b.bucket],
            Decimal(b.rate),
            b.sales,
            money(b.realized_pnl),
            money(b.charges),
            money(b.net_pnl),
        ]
        for b in buckets
    ]


def _scrip_rows(rows: Sequence[TaxRowOut]) -> list[list[Cell]]:
    grouped: dict[tuple[str, str], list[TaxRowOut]] = {}
    for row in rows:
        grouped.setdefault((row.symbol, row.exchange), []).append(row)
    out: list[list[Cell]] = []
    for (symbol, exchange), sales in sorted(grouped.items()):
        out.append(
            [
                symbol,
                exchange,
                sales[0].isin,
                len(sales),
                sum(s.quantity for s in sales),
                _sum(money(s.buy_value) for s in sales),
                _sum(money(s.sell_value) for s in sales),
                _sum(money(s.cost) for s in sales),
                _sum(money(s.realized_pnl) for s in sales),
                _sum(money(s.charges) for s in sales),
                _sum(money(s.net_pnl) for s in sales),
            ]
        )
    return out


def _sale_row(row: TaxRowOut) -> list[Cell]:
    period = BUCKET_TITLES[row.bucket] if row.bucket else ""
    if row.grandfathered:
        period = f"{period}; cost: FMV 31 Jan 2018"
    return [
        row.symbol,
        row.isin,
        row.acquired_on,
        row.sold_on,
        row.holding_days,
        row.quantity,
        money(row.buy_value),
        money(row.sell_value),
        money(row.cost),
        money(row.realized_pnl),
        money(row.charges),
        money(row.net_pnl),
        period,
    ]


def _totals(columns: Sequence[Column], rows: Sequence[Sequence[Cell]], label: str = "Total") -> list[Cell]:
    total: list[Cell] = []
    for index, column in enumerate(columns):
        if index == 0:
            total.append(label)
        elif column.kind == "money" or (column.kind == "int" and column.title in {"Sales", "Trades"}):
            values = [row[index] for row in rows]
            counts = (value for value in values if isinstance(value, int))
            total.append(_sum(values) if column.kind == "money" else sum(counts))
        else:
            total.append(None)
    return total


def tax_sheets(tax: TaxPnlOut, generated_at: datetime) -> list[Sheet]:
    """The FY's tax P&L: a summary sheet (heads, the 23 Jul 2024 split, charges, exemption), then one
    sheet per head with its per-scrip and per-sale rows."""
    heads = {
        "speculative": tax.speculative,
        "stcg": tax.stcg,
        "ltcg": tax.ltcg,
        "non_speculative": tax.non_speculative,
    }
    summary_rows = [_head_row(HEAD_TITLES[name], head) for name, head in heads.items()]
    split_rows = _split_rows("STCG", tax.stcg_buckets) + _split_rows("LTCG", tax.ltcg_buckets)
    exemption = (
        f"s.112A exemption on the FY's aggregate LTCG: {amount(Decimal(tax.ltcg_exemption))}"
        if tax.ltcg_exemption is not None
        else "No s.112A exemption is modelled before FY 2018-19."
    )
    summary = Sheet(
        "Summary",
        f"Tax P&L statement, FY {tax.fy}",
        [
            Section(
                "Summary by head",
                _SUMMARY,
                summary_rows,
                _totals(_SUMMARY, summary_rows),
                note=f"Generated {generated_at.isoformat(timespec='seconds')}. Turnover: sum of |gross| "
                "per sale (ICAI Guidance Note on Tax Audit). Charges are deducted in net P&L; add back "
                "STT for the capital-gains heads.",
            ),
            Section(
                "Capital gains by sale date (Finance (No. 2) Act 2024)", _SPLIT, split_rows, note=exemption
            ),
            Section(
                "Charges by head",
                (Column("Head", "text", 3.2), Column("Sales rows", "int"), Column("Charges", "money")),
                [
                    [HEAD_TITLES[name], sum(1 for r in tax.items if r.head == name), money(head.charges)]
                    for name, head in heads.items()
                ],
                ["Total", len(tax.items), _sum(money(h.charges) for h in heads.values())],
            ),
        ],
    )
    if tax.needs_fmv:
        summary.sections.append(
            Section(
                "Needs the FMV on 31 Jan 2018 (actual cost used)",
                (Column("ISIN", "text"), Column("Symbol", "text")),
                [[item.isin, item.symbol] for item in tax.needs_fmv],
            )
        )
    sheets = [summary]
    for name, head in heads.items():
        rows = [row for row in tax.items if row.head == name]
        scrips = _scrip_rows(rows)
        sales = [_sale_row(row) for row in rows]
        sheets.append(
            Sheet(
                SHEET_NAMES[name],
                f"{HEAD_TITLES[name]}, FY {tax.fy}: turnover {amount(Decimal(head.turnover))}",
                [
                    Section("Per scrip", _SCRIPS, scrips, _totals(_SCRIPS, scrips)),
                    Section("Per sale", _SALES, sales, _totals(_SALES, sales)),
                ],
            )
        )
    return sheets


# ---- trade history -----------------------------------------------------------------------------

HISTORY = (
    Column("Trade", "text", 1.6),
    Column("Account", "text", 1.2),
    Column("Symbol", "text", 1.5),
    Column("Exchange", "text", 0.7),
    Column("Segment", "text", 0.7),
    Column("Direction", "text", 0.7),
    Column("Status", "text", 0.6),
    Column("Category", "text", 0.8),
    Column("Opened", "datetime", 1.3),
    Column("Closed", "datetime", 1.3),
    Column("Quantity", "int", 0.7),
    Column("Avg entry", "money"),
    Column("Avg exit", "money"),
    Column("Realized P&L", "money"),
    Column("Charges", "money"),
    Column("Net P&L", "money"),
    Column("Holding days", "int", 0.6),
    Column("Strategy", "text"),
    Column("Tags", "text"),
    Column("Notes", "text", 2.0),
)


def history_row(trade: TradeOut) -> list[Cell]:
    return [
        trade.trade_id,
        trade.account_id,
        trade.symbol,
        trade.exchange,
        trade.segment,
        trade.direction,
        trade.status,
        trade.category,
        trade.opened_at,
        trade.closed_at,
        trade.quantity,
        money(trade.avg_entry),
        money(trade.avg_exit),
        money(trade.realized_pnl),
        money(trade.charges),
        money(trade.net_pnl),
        trade.holding_days,
        trade.strategy,
        " ".join(trade.tags),
        trade.notes,
    ]
