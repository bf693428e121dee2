"""The /v1/analytics/tax-pnl payload from analytics/tax.py's report: money as decimal strings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from tradetrack.analytics.realized import Realized
from tradetrack.analytics.tax import (
    BUCKETS,
    RATES,
    Bucket,
    CapitalHead,
    HeadTotal,
    SaleRow,
    fy_label,
    tax_report,
)
from tradetrack.analytics.trade_charges import ist
from tradetrack.models.analytics import FmvNeededOut, TaxBucketOut, TaxHeadOut, TaxPnlOut, TaxRowOut
from tradetrack.money import money_str, optional_money_str


def _head(total: HeadTotal) -> TaxHeadOut:
    return TaxHeadOut(
        realized_pnl=money_str(total.realized),
        charges=money_str(total.charges),
        net_pnl=money_str(total.net),
        turnover=money_str(total.turnover),
        trades=total.trades,
    )


def _buckets(
    head: CapitalHead, buckets: Mapping[tuple[CapitalHead, Bucket], HeadTotal]
) -> list[TaxBucketOut]:
    return [
        TaxBucketOut(
            bucket=bucket,
            rate=format(RATES[(head, bucket)], "f"),
            realized_pnl=money_str(buckets[(head, bucket)].realized),
            charges=money_str(buckets[(head, bucket)].charges),
            net_pnl=money_str(buckets[(head, bucket)].net),
            sales=buckets[(head, bucket)].sales,
        )
        for bucket in BUCKETS
    ]


def _row(row: SaleRow) -> TaxRowOut:
    sale, doc = row.sale, row.doc
    return TaxRowOut(
        trade_id=str(doc["_id"]),
        symbol=str(doc["symbol"]),
        exchange=str(doc["exchange"]),
        isin=doc.get("isin"),
        head=row.head,
        bucket=row.bucket,
        opened_at=ist(sale.acquired_at),
        closed_at=ist(sale.at),
        acquired_on=row.acquired,
        sold_on=row.sold,
        holding_days=(row.sold - row.acquired).days,
        quantity=sale.quantity,
        buy_value=money_str(sale.entry_value),
        sell_value=money_str(sale.exit_value),
        cost=money_str(row.cost),
        grandfathered=row.grandfathered,
        realized_pnl=money_str(row.gross),
        charges=money_str(sale.charges),
        net_pnl=money_str(row.net),
    )


def tax_payload(sales: Iterable[Realized], fy: int, now: datetime, fmv: Mapping[str, int]) -> TaxPnlOut:
    report = tax_report(sales, fy, fmv)
    return TaxPnlOut(
        fy=fy_label(fy),
        speculative=_head(report.totals["speculative"]),
        stcg=_head(report.totals["stcg"]),
        ltcg=_head(report.totals["ltcg"]),
        non_speculative=_head(report.totals["non_speculative"]),
        stcg_buckets=_buckets("stcg", report.buckets),
        ltcg_buckets=_buckets("ltcg", report.buckets),
        ltcg_exemption=optional_money_str(report.ltcg_exemption),
        needs_fmv=[FmvNeededOut(isin=isin, symbol=symbol) for isin, symbol in report.needs_fmv],
        items=[_row(row) for row in report.rows],
        computed_at=now,
    )
