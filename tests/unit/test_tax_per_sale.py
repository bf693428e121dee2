"""Tax P&L per sale: each realization in the FY of its IST sale date under the head of the lot it
consumed, STCG/LTCG split at 23 Jul 2024, grandfathering of pre-2018 equity, F&O turnover."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tradetrack.analytics.realized import Realized, realizations_of
from tradetrack.analytics.service import compute_tax
from tradetrack.analytics.tax import ltcg_exemption, tax_report
from tradetrack.timeutil import IST

R = 10_000  # ₹1 scaled
NOW = datetime(2026, 1, 1, tzinfo=UTC)
INFY = "INE009A01021"


def at(day: str, hour: int = 11, minute: int = 0) -> datetime:
    """A time on an IST day, as the UTC instant the engine stores."""
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=IST).astimezone(UTC)


def sold(when: datetime, acquired: str, units: int, cost: int, price: int, **extra: Any) -> dict[str, Any]:
    """Units of a lot bought @ cost sold @ price (per unit, ₹)."""
    return {
        "at": when,
        "acquiredAt": at(acquired, 10),
        "quantity": units,
        "entryValue": cost * units * R,
        "exitValue": price * units * R,
        "pnl": (price - cost) * units * R,
        "fees": 0,
        "intraday": False,
        "entryExecutionId": f"exe_b_{acquired}",
        "exitExecutionId": f"exe_s_{when.isoformat()}",
        **extra,
    }


def trade(
    opened: str, sales: list[dict[str, Any]], *, units: int, charges: int = 0, **extra: Any
) -> list[Realized]:
    """The realizations of a closed trade document in the engine's shape."""
    doc = {
        "_id": f"trd_{opened}",
        "symbol": "INFY",
        "exchange": "NSE",
        "segment": "EQ",
        "isin": INFY,
        "isFno": False,
        "direction": "LONG",
        "book": "delivery",
        "status": "closed",
        "openedAt": at(opened, 10),
        "closedAt": sales[-1]["at"],
        "quantity": units,
        "realizedPnl": sum(s["pnl"] for s in sales),
        "charges": charges,
        "chargesEstimated": True,
        "products": ["CNC"],
        "realizations": sales,
        **extra,
    }
    return realizations_of(doc)


def infy_round_trip() -> list[Realized]:
    # Buy 10 INFY @ 1,400 on 2 May 2024 (CNC); sell 5 @ 1,500 on 3 Jun 2024 and 5 @ 1,300 on 5 May 2025
    return trade(
        "2024-05-02",
        [
            sold(at("2024-06-03"), "2024-05-02", 5, 1_400, 1_500),
            sold(at("2025-05-05"), "2024-05-02", 5, 1_400, 1_300),
        ],
        units=10,
        charges=628_578,  # ₹62.8578, tests/unit/test_trade_charges.py
    )


def test_each_sale_lands_in_the_fy_and_head_of_its_own_date() -> None:
    # Given the INFY round trip over two financial years
    sales = infy_round_trip()

    # When the tax P&L of each FY is taken
    fy24, fy25 = tax_report(sales, 2024), tax_report(sales, 2025)

    # Then FY 2024-25 has the first sale: STCG +500 (held a month), before 23 Jul 2024 (15%)
    assert [(r.head, r.bucket, r.gross, r.sale.quantity) for r in fy24.rows] == [
        ("stcg", "before_2024_07_23", 500 * R, 5)
    ]
    assert fy24.totals["stcg"].realized == 500 * R and fy24.totals["ltcg"].sales == 0
    assert fy24.buckets[("stcg", "before_2024_07_23")].realized == 500 * R
    # And FY 2025-26 the second: LTCG −500 (2 May 2024 → 5 May 2025 is over 12 months), at 12.5%
    assert [(r.head, r.bucket, r.gross) for r in fy25.rows] == [("ltcg", "from_2024_07_23", -500 * R)]
    assert fy25.totals["stcg"].sales == 0
    # And each sale carries half the trade's charges (5 of 10 units), adding up to all of them
    assert [r.sale.charges for r in fy24.rows + fy25.rows] == [314_289, 314_289]
    assert fy24.totals["stcg"].net == 500 * R - 314_289


def test_the_23_july_2024_boundary_is_the_ist_sale_date() -> None:
    # Given two delivery sales bought 1 Jul 2024: on 22 Jul 2024 and at 00:30 IST on 23 Jul 2024
    # (still 22 Jul in UTC)
    sales = trade(
        "2024-07-01",
        [
            sold(at("2024-07-22", 15), "2024-07-01", 1, 100, 110),
            sold(at("2024-07-23", 0, 30), "2024-07-01", 1, 100, 130),
        ],
        units=2,
    )
    assert sales[1].at.date().isoformat() == "2024-07-22"

    # When the FY 2024-25 report is taken
    report = tax_report(sales, 2024)

    # Then the first is STCG before the Budget (15%), the second after it (20%)
    assert [(r.bucket, r.gross) for r in report.rows] == [
        ("before_2024_07_23", 10 * R),
        ("from_2024_07_23", 30 * R),
    ]
    assert report.buckets[("stcg", "before_2024_07_23")].realized == 10 * R
    assert report.buckets[("stcg", "from_2024_07_23")].realized == 30 * R
    assert report.totals["stcg"].realized == 40 * R


def grandfathered(price: int) -> list[Realized]:
    # 1 share bought for ₹100 on 1 Jun 2017 (an opening lot: the trade opened in the journal in
    # 2024), sold in Sept 2024 as LTCG
    return trade(
        "2024-01-15",
        [sold(at("2024-09-02"), "2017-06-01", 1, 100, price)],
        units=1,
    )


def test_grandfathering_takes_the_31_january_2018_fmv_up_to_the_sale_value() -> None:
    # Given the FMV on 31 Jan 2018 of ₹150 a share
    fmv = {INFY: 150 * R}

    # When shares that cost ₹100 are sold for 200, 120 and 90
    rows = {price: tax_report(grandfathered(price), 2024, fmv).rows[0] for price in (200, 120, 90)}

    # Then the cost is max(100, min(150, sale)): gains 50, 0 and a loss of 10
    assert {price: (row.head, row.cost, row.gross) for price, row in rows.items()} == {
        200: ("ltcg", 150 * R, 50 * R),
        120: ("ltcg", 120 * R, 0),
        90: ("ltcg", 100 * R, -10 * R),
    }
    assert all(row.grandfathered for row in rows.values())


def test_without_an_fmv_the_actual_cost_stands_and_the_isin_is_listed() -> None:
    # Given no FMV entered for INFY
    report = tax_report(grandfathered(200), 2024)

    # Then the sale keeps its actual cost (gain 100) and INFY's ISIN is listed as needing one
    assert [(r.cost, r.gross, r.grandfathered) for r in report.rows] == [(100 * R, 100 * R, False)]
    assert report.needs_fmv == [(INFY, "INFY")]


def test_shares_bought_on_or_after_1_february_2018_are_not_grandfathered() -> None:
    # Given a share bought on 1 Feb 2018 and sold as LTCG, and an FMV for its ISIN
    sales = trade("2018-02-01", [sold(at("2024-09-02"), "2018-02-01", 1, 100, 200)], units=1)

    # When reported, Then the actual cost is used and nothing is asked for
    report = tax_report(sales, 2024, {INFY: 150 * R})
    assert [(r.cost, r.gross, r.grandfathered) for r in report.rows] == [(100 * R, 100 * R, False)]
    assert report.needs_fmv == []


def test_an_intraday_sale_is_speculative() -> None:
    # Given 100 INFY bought and sold the same day in the intraday book
    sales = trade(
        "2025-03-03",
        [sold(at("2025-03-03", 14), "2025-03-03", 100, 1_000, 1_010, intraday=True)],
        units=100,
        book="intraday",
        products=["MIS"],
        charges=824_814,
    )

    # When reported, Then it is speculative business income with turnover |1,000|
    total = tax_report(sales, 2024).totals["speculative"]
    assert (total.realized, total.charges, total.turnover, total.trades) == (1_000 * R, 824_814, 1_000 * R, 1)


def test_fno_sales_are_non_speculative_with_turnover_per_closing_fill() -> None:
    # Given NIFTY options bought @ 100 in two lots (25 on 2 Jan, 25 on 3 Jan 2025) and sold by two
    # fills: 25 @ 112 on 6 Jan (+300), then 25 @ 92 on 8 Jan (−200)
    option: dict[str, Any] = {
        "symbol": "NIFTY25JAN23500CE",
        "exchange": "NFO",
        "segment": "FO",
        "isFno": True,
        "isin": None,
    }
    sales = trade(
        "2025-01-02",
        [
            sold(at("2025-01-06"), "2025-01-02", 25, 100, 112),
            sold(at("2025-01-08"), "2025-01-03", 25, 100, 92),
        ],
        units=50,
        book="delivery",
        **option,
    )
    # And a closing fill that consumed two lots at once: 10 @ 100 and 10 @ 120, sold @ 110 (+100, −100)
    one_fill = trade(
        "2025-02-03",
        [
            sold(at("2025-02-05"), "2025-02-03", 10, 100, 110, exitExecutionId="exe_s1"),
            sold(at("2025-02-05"), "2025-02-04", 10, 120, 110, exitExecutionId="exe_s1"),
        ],
        units=20,
        **option,
    )

    # When reported
    total = tax_report(sales + one_fill, 2024).totals["non_speculative"]

    # Then everything is non-speculative (held days or not); turnover is the favourable and
    # unfavourable differences, per sale: 300 + 200, and 0 for the fill that netted +100 and −100
    assert (total.realized, total.turnover, total.trades, total.sales) == (100 * R, 500 * R, 2, 4)


def test_the_ltcg_exemption_rose_to_1_25_lakh_from_fy_2024_25() -> None:
    assert ltcg_exemption(2023) == 100_000 * R
    assert ltcg_exemption(2024) == 125_000 * R
    assert ltcg_exemption(2017) is None  # s.10(38): before s.112A


def test_the_payload_has_buckets_rates_exemption_and_rows_per_sale() -> None:
    # Given the INFY round trip and a grandfathered sale without an FMV
    sales = infy_round_trip() + grandfathered(200)

    # When FY 2024-25's tax P&L is built
    out = compute_tax(sales, 2024, NOW).model_dump(by_alias=True, mode="json")

    # Then STCG is in two buckets with their rates, the exemption is ₹1.25 lakh and INFY needs an FMV
    assert [(b["bucket"], b["rate"], b["realizedPnl"], b["sales"]) for b in out["stcgBuckets"]] == [
        ("before_2024_07_23", "15", "500", 1),
        ("from_2024_07_23", "20", "0", 0),
    ]
    assert [(b["rate"], b["realizedPnl"]) for b in out["ltcgBuckets"]] == [("10", "0"), ("12.5", "100")]
    assert out["ltcgExemption"] == "125000"
    assert out["needsFmv"] == [{"isin": INFY, "symbol": "INFY"}]
    # And one row per sale, with the lot's dates, values and its share of the charges
    first = out["items"][0]
    assert {k: first[k] for k in ("acquiredOn", "soldOn", "quantity", "buyValue", "sellValue", "cost")} == {
        "acquiredOn": "2024-05-02",
        "soldOn": "2024-06-03",
        "quantity": 5,
        "buyValue": "7000",
        "sellValue": "7500",
        "cost": "7000",
    }
    assert (first["realizedPnl"], first["charges"], first["netPnl"], first["head"]) == (
        "500",
        "31.4289",
        "468.5711",
        "stcg",
    )
    assert [row["head"] for row in out["items"]] == ["stcg", "ltcg"]
    assert out["stcg"]["realizedPnl"] == "500" and out["ltcg"]["trades"] == 1
