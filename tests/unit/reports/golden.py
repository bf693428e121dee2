"""A known FY 2024-25 book for the report golden tests, with every figure worked by hand.

Each trade has one sale, so its charges are that sale's (R = ₹1 scaled by 10^4):

| trade | head | bought | sold | gross | charges | net |
| --- | --- | --- | --- | --- | --- | --- |
| INFY 10 @ 1,400 → 1,500 | STCG, before 23 Jul 2024 (15%) | 2024-05-02 | 2024-07-10 | 1,000 | 20 | 980 |
| TCS 4 @ 3,000 → 3,250 | STCG, on/after (20%) | 2024-06-03 | 2024-09-02 | 1,000 | 10 | 990 |
| RELIANCE 2 @ 2,000 → 2,900 | LTCG, before (10%) | 2022-03-01 | 2024-05-15 | 1,800 | 3 | 1,797 |
| HDFCBANK 10 @ 1,000 → 1,700 | LTCG, on/after (12.5%) | 2023-01-10 | 2024-08-20 | 7,000 | 5 | 6,995 |
| SBIN 100 @ 800 → 795 intraday | speculative | 2024-10-01 | 2024-10-01 | -500 | 12 | -512 |
| NIFTY24NOV24000CE 50 @ 100 → 130 | F&O | 2024-11-04 | 2024-11-05 | 1,500 | 40 | 1,460 |
| BANKNIFTY24NOV52000PE 15 @ 200 → 180 | F&O | 2024-11-04 | 2024-11-06 | -300 | 30 | -330 |
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tests.unit.test_tax_per_sale import at, sold, trade
from tradetrack.analytics.realized import Realized
from tradetrack.analytics.service import compute_tax
from tradetrack.models.analytics import TaxPnlOut

GENERATED = datetime(2025, 6, 1, 4, 30, tzinfo=UTC)

# (head title, trades, turnover, realized, charges, net), hand-computed from the table above
HEADS = [
    ("Intraday equity (speculative business income)", 1, "500", "-500", "12", "-512"),
    ("Short-term capital gains (STCG)", 2, "2000", "2000", "30", "1970"),
    ("Long-term capital gains (LTCG)", 2, "8800", "8800", "8", "8792"),
    ("F&O (non-speculative business income)", 2, "1800", "1200", "70", "1130"),
]
TOTAL = ("Total", 7, "13100", "11500", "120", "11380")
SPLIT = [
    ("STCG", "before 23 Jul 2024", "15", 1, "1000", "20", "980"),
    ("STCG", "on or after 23 Jul 2024", "20", 1, "1000", "10", "990"),
    ("LTCG", "before 23 Jul 2024", "10", 1, "1800", "3", "1797"),
    ("LTCG", "on or after 23 Jul 2024", "12.5", 1, "7000", "5", "6995"),
]


def _one(
    symbol: str, bought: str, on: str, units: int, cost: int, price: int, charges: int, **extra: object
) -> list[Realized]:
    intraday = bool(extra.pop("intraday", False))
    sale = sold(at(on, 14), bought, units, cost, price, intraday=intraday)
    fields = {"_id": f"trd_{symbol.lower()}", "symbol": symbol, "isin": f"INE{symbol[:6]}01", **extra}
    return trade(bought, [sale], units=units, charges=charges * 10_000, **fields)


def book() -> list[Realized]:
    fno = {"isFno": True, "segment": "NFO-OPT", "exchange": "NFO", "isin": None}
    return [
        *_one("INFY", "2024-05-02", "2024-07-10", 10, 1_400, 1_500, 20),
        *_one("TCS", "2024-06-03", "2024-09-02", 4, 3_000, 3_250, 10),
        *_one("RELIANCE", "2022-03-01", "2024-05-15", 2, 2_000, 2_900, 3),
        *_one("HDFCBANK", "2023-01-10", "2024-08-20", 10, 1_000, 1_700, 5),
        *_one(
            "SBIN",
            "2024-10-01",
            "2024-10-01",
            100,
            800,
            795,
            12,
            intraday=True,
            book="intraday",
            products=["MIS"],
        ),
        *_one("NIFTY24NOV24000CE", "2024-11-04", "2024-11-05", 50, 100, 130, 40, **fno),
        *_one("BANKNIFTY24NOV52000PE", "2024-11-04", "2024-11-06", 15, 200, 180, 30, **fno),
    ]


def tax() -> TaxPnlOut:
    """The tax P&L payload exactly as GET /v1/analytics/tax-pnl computes it."""
    return compute_tax(book(), 2024, GENERATED, {})


def d(text: str) -> Decimal:
    return Decimal(text)
