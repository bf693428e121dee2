"""Tax P&L per sale: each realization (analytics/realized.py) lands in the Indian financial year
(1 April – 31 March) of its IST sale date, under the head of the lot it consumed.

Heads (Income-tax Act 1961):
- non_speculative: every F&O trade (`isFno`: exchange-traded equity and currency derivatives,
  s.43(5) proviso (d), and commodity derivatives, proviso (e), are not speculative), whatever the
  holding period;
- speculative: intraday equity (a realization flagged `intraday`: the intraday book, or, for older
  documents, an intraday product or bought and sold the same IST day), s.43(5);
- stcg / ltcg: equity delivery, by the holding period from the lot's `acquiredAt` to the sale (IST
  dates): long-term when held more than 12 months (the sale falls after the same calendar date
  12 months on; 29 Feb counts from 28 Feb), s.2(42A) for listed shares and equity-oriented fund
  units — 12 months before and after the Finance (No. 2) Act 2024 (from 23 Jul 2024 twelve months
  for every listed security). Units of non-equity funds (24 months) are not told apart.
STCG and LTCG are each split at 23 July 2024 (Finance (No. 2) Act 2024: s.111A 15% → 20% for
transfers on or after that day, s.112A 10% → 12.5%; the s.112A exemption rose from ₹1 lakh to
₹1.25 lakh, on the FY's aggregate LTCG of both parts, so ₹1.25 lakh for all of FY 2024-25:
https://taxmanagementindia.com/visitor/detail_act.asp?ID=43574, clause 31). FYs before 2018-19
(s.10(38) exemption) are not modelled: their LTCG shows with the 10% rate.

Grandfathering (s.112A(2) read with s.55(2)(ac)): for equity acquired before 1 Feb 2018 and sold
as LTCG, the cost of acquisition is the higher of the actual cost and the lower of the fair
market value on 31 Jan 2018 (× units) and the sale value. FMV is given per ISIN (per unit,
scaled 10^4); a sale whose ISIN has no FMV keeps its actual cost and is listed in `needs_fmv`.

Figures are gross (sale value − cost), each sale's share of its trade's charges, and net. Turnover
is Σ |gross| per sale (per closing fill): the total of favourable and unfavourable differences,
ICAI Guidance Note on Tax Audit u/s 44AB (2022 revision), para 5.14(b) — option premium is part of
those differences and not added again (https://taxguru.in/?p=832298); it matters for the business
heads. Charges are all deducted in the net; an accountant must add back STT for the
capital-gains heads (not deductible there) — the per-sale rows give what is needed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from tradetrack.analytics.realized import Realized
from tradetrack.analytics.trade_charges import ist
from tradetrack.errors import ValidationFailed

Document = dict[str, Any]
Head = Literal["speculative", "stcg", "ltcg", "non_speculative"]
HEADS: tuple[Head, ...] = ("speculative", "stcg", "ltcg", "non_speculative")
CapitalHead = Literal["stcg", "ltcg"]
Bucket = Literal["before_2024_07_23", "from_2024_07_23"]
BUCKETS: tuple[Bucket, ...] = ("before_2024_07_23", "from_2024_07_23")
BUDGET_2024 = date(2024, 7, 23)
GRANDFATHERED_BEFORE = date(2018, 2, 1)
# Percent of the gain (Finance (No. 2) Act 2024, s.111A and s.112A as amended).
RATES: dict[tuple[CapitalHead, Bucket], Decimal] = {
    ("stcg", "before_2024_07_23"): Decimal("15"),
    ("stcg", "from_2024_07_23"): Decimal("20"),
    ("ltcg", "before_2024_07_23"): Decimal("10"),
    ("ltcg", "from_2024_07_23"): Decimal("12.5"),
}
_LAKH = 100_000 * 10_000  # ₹1 lakh scaled
_FY = re.compile(r"^(\d{4})-(\d{2})$")


def parse_fy(text: str | None, today: date) -> int:
    """ "2025-26" → 2025 (the year the FY starts); None → the current FY."""
    if text is None:
        return fy_of(today)
    found = _FY.match(text.strip())
    if found is None or (int(found[1]) + 1) % 100 != int(found[2]) or not 2000 <= int(found[1]) <= 2099:
        raise ValidationFailed(
            "fy must be a financial year like 2025-26",
            details=[
                {"field": "fy", "issue": "invalid_fy", "message": f"not a financial year: {text[:20]!r}"}
            ],
        )
    return int(found[1])


def fy_of(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def fy_label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def ltcg_exemption(fy: int) -> int | None:
    """The s.112A exemption of FY `fy` (scaled): ₹1.25 lakh from FY 2024-25, ₹1 lakh from 2018-19."""
    if fy >= 2024:
        return _LAKH * 5 // 4
    return _LAKH if fy >= 2018 else None


def _months_later(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def holding_head(acquired: date, sold: date) -> CapitalHead:
    return "ltcg" if sold > _months_later(acquired, 12) else "stcg"


def head_of(sale: Realized) -> Head:
    if sale.doc.get("isFno"):
        return "non_speculative"
    if sale.intraday:
        return "speculative"
    return holding_head(ist(sale.acquired_at).date(), ist(sale.at).date())


def bucket_of(sold: date) -> Bucket:
    return "before_2024_07_23" if sold < BUDGET_2024 else "from_2024_07_23"


def bucket_key(head: Head, sold: date) -> tuple[CapitalHead, Bucket] | None:
    """The capital-gains bucket of a sale (None for the business heads)."""
    if head == "stcg":
        return "stcg", bucket_of(sold)
    if head == "ltcg":
        return "ltcg", bucket_of(sold)
    return None


@dataclass(frozen=True)
class SaleRow:
    sale: Realized
    head: Head
    bucket: Bucket | None  # capital-gains heads only
    acquired: date  # IST
    sold: date  # IST
    cost: int  # cost of acquisition used: the lot's cost, or the grandfathered cost
    gross: int
    grandfathered: bool

    @property
    def doc(self) -> Document:
        return self.sale.doc

    @property
    def net(self) -> int:
        return self.gross - self.sale.charges


def _grandfathered_cost(sale: Realized, fmv_per_unit: int) -> int:
    """s.55(2)(ac): max(actual cost, min(FMV on 31 Jan 2018 × units, sale value))."""
    return max(sale.entry_value, min(fmv_per_unit * sale.quantity, sale.exit_value))


def sale_row(sale: Realized, fmv: Mapping[str, int]) -> tuple[SaleRow, bool]:
    """The sale's tax row, and whether it needed an FMV that was not given."""
    head = head_of(sale)
    acquired, sold = ist(sale.acquired_at).date(), ist(sale.at).date()
    key = bucket_key(head, sold)
    bucket = None if key is None else key[1]
    cost, gross, grandfathered, missing = sale.entry_value, sale.pnl, False, False
    long = sale.doc.get("direction") != "SHORT"
    if head == "ltcg" and long and acquired < GRANDFATHERED_BEFORE:
        per_unit = fmv.get(str(sale.doc.get("isin") or ""))
        if per_unit is None:
            missing = True
        else:
            cost, grandfathered = _grandfathered_cost(sale, per_unit), True
            gross = sale.exit_value - cost
    return SaleRow(sale, head, bucket, acquired, sold, cost, gross, grandfathered), missing


@dataclass
class HeadTotal:
    realized: int = 0
    charges: int = 0
    turnover: int = 0
    trades: int = 0  # distinct trades with a sale here
    sales: int = 0

    @property
    def net(self) -> int:
        return self.realized - self.charges

    def add(self, row: SaleRow) -> None:
        self.realized += row.gross
        self.charges += row.sale.charges
        self.sales += 1


@dataclass
class TaxReport:
    fy: int
    totals: dict[Head, HeadTotal] = field(default_factory=lambda: {h: HeadTotal() for h in HEADS})
    buckets: dict[tuple[CapitalHead, Bucket], HeadTotal] = field(
        default_factory=lambda: {key: HeadTotal() for key in RATES}
    )
    rows: list[SaleRow] = field(default_factory=list)
    needs_fmv: list[tuple[str | None, str]] = field(default_factory=list)  # (ISIN, symbol), sorted

    @property
    def ltcg_exemption(self) -> int | None:
        return ltcg_exemption(self.fy)


def tax_report(sales: Iterable[Realized], fy: int, fmv: Mapping[str, int] | None = None) -> TaxReport:
    """The sales (already filtered) whose IST sale date falls in FY `fy`-(`fy`+1)."""
    report = TaxReport(fy=fy)
    first, last = date(fy, 4, 1), date(fy + 1, 3, 31)
    missing: set[tuple[str | None, str]] = set()
    trades: dict[Head, set[str]] = {head: set() for head in HEADS}
    per_fill: dict[tuple[Head, str, str], int] = {}
    for sale in sales:
        if not first <= ist(sale.at).date() <= last:
            continue
        row, needs = sale_row(sale, fmv or {})
        if needs:
            missing.add((sale.doc.get("isin"), str(sale.doc.get("symbol"))))
        report.rows.append(row)
        report.totals[row.head].add(row)
        capital = bucket_key(row.head, row.sold)
        if capital is not None:
            report.buckets[capital].add(row)
        trade_id = str(sale.doc.get("_id"))
        trades[row.head].add(trade_id)
        key = (row.head, trade_id, sale.exit_id)
        per_fill[key] = per_fill.get(key, 0) + row.gross
    for (head, _, _), gross in per_fill.items():
        report.totals[head].turnover += abs(gross)
    for head, ids in trades.items():
        report.totals[head].trades = len(ids)
    report.rows.sort(key=lambda row: (row.sale.at, str(row.doc.get("_id"))))
    report.needs_fmv = sorted(missing, key=lambda item: (item[0] or "", item[1]))
    return report
