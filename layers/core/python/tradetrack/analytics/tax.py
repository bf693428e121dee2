"""Tax heads of closed trades per Indian financial year (1 April – 31 March), by the IST close date.

- speculative: intraday equity (an intraday product, or bought and sold the same IST day);
- non_speculative: every F&O trade (business income, whatever the holding period);
- stcg: equity delivery held ≤ 12 months; ltcg: held > 12 months (the close date is after the
  same calendar date 12 months after the open; 29 Feb opens count from 28 Feb).
Figures are gross, charges and net per head, and turnover (Σ |gross P&L|, the ICAI guidance for
trading turnover). Charges are all deducted in `netPnl`; an accountant must add back STT for the
capital-gains heads (not deductible there) — the per-trade rows give what is needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from tradetrack.analytics.table import ClosedTrades, is_intraday, ist
from tradetrack.errors import ValidationFailed

Document = dict[str, Any]
Head = Literal["speculative", "stcg", "ltcg", "non_speculative"]
HEADS: tuple[Head, ...] = ("speculative", "stcg", "ltcg", "non_speculative")
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


def _months_later(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def head_of(doc: Document) -> Head:
    if doc.get("isFno"):
        return "non_speculative"
    if is_intraday(doc):
        return "speculative"
    opened, closed = ist(doc["openedAt"]).date(), ist(doc["closedAt"]).date()
    return "ltcg" if closed > _months_later(opened, 12) else "stcg"


@dataclass
class HeadTotal:
    realized: int = 0
    charges: int = 0
    turnover: int = 0
    trades: int = 0

    @property
    def net(self) -> int:
        return self.realized - self.charges


@dataclass(frozen=True)
class TaxRow:
    doc: Document
    head: Head
    opened_at: datetime
    closed_at: datetime
    realized: int
    charges: int
    holding_days: int


@dataclass
class TaxReport:
    fy: int
    totals: dict[Head, HeadTotal] = field(default_factory=lambda: {h: HeadTotal() for h in HEADS})
    rows: list[TaxRow] = field(default_factory=list)


def tax_report(closed: ClosedTrades, fy: int) -> TaxReport:
    """The closed trades (already filtered) whose IST close date falls in FY `fy`-(`fy`+1)."""
    report = TaxReport(fy=fy)
    first, last = date(fy, 4, 1).toordinal(), date(fy + 1, 3, 31).toordinal()
    for i, doc in enumerate(closed.docs):
        if not first <= int(closed.close_day[i]) <= last:
            continue
        head = head_of(doc)
        realized, charges = int(closed.realized[i]), int(closed.charges[i])
        total = report.totals[head]
        total.realized += realized
        total.charges += charges
        total.turnover += abs(realized)
        total.trades += 1
        opened, closed_at = ist(doc["openedAt"]), ist(doc["closedAt"])
        report.rows.append(
            TaxRow(doc, head, opened, closed_at, realized, charges, (closed_at.date() - opened.date()).days)
        )
    report.rows.sort(key=lambda row: (row.closed_at, row.doc["_id"]))
    return report
