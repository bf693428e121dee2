"""The charges schedule (hand-computed contract-note figures) and the tax heads per financial year."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tradetrack.analytics.charges import estimate_trade_charges, kind_of, rates_on
from tradetrack.analytics.table import closed_table, effective_charges
from tradetrack.analytics.tax import fy_of, head_of, parse_fy, tax_report
from tradetrack.errors import ValidationFailed

R = 10_000  # ₹1 scaled


def test_intraday_equity_charges_are_the_hand_computed_contract_note() -> None:
    # Buy 100 @ 1,000 and sell 100 @ 1,010 on 3 Mar 2025.
    # Buy: brokerage 20 (0.03% = 30, capped) + exchange 2.97 + SEBI 0.10 + stamp 3.00 + GST 4.1526
    # Sell: brokerage 20 + STT 25.25 + exchange 2.9997 + SEBI 0.101 + GST 4.1581 (18% of 23.1007)
    day = date(2025, 3, 3)
    total = estimate_trade_charges(
        "equity_intraday",
        long=True,
        entry_day=day,
        entry_value=100_000 * R,
        exit_day=day,
        exit_value=101_000 * R,
    )
    assert total == 827_314  # ₹82.7314 = 30.2226 + 52.5088


def test_delivery_legs_use_the_rates_of_their_own_dates() -> None:
    # Buy ₹5,000 on 2 Sep 2024 (exchange 0.00322%), sell ₹6,000 on 6 Oct 2025 (0.00297%):
    # buy 5 + 0.161 + 0.005 + 0.75 + GST 0.0299; sell 6 + 0.1782 + 0.006 + GST 0.0332
    total = estimate_trade_charges(
        "equity_delivery",
        long=True,
        entry_day=date(2024, 9, 2),
        entry_value=5_000 * R,
        exit_day=date(2025, 10, 6),
        exit_value=6_000 * R,
    )
    assert total == 59_459 + 62_174


def test_a_rate_change_is_a_row_with_an_effective_date() -> None:
    assert rates_on("futures", date(2024, 9, 30)).stt_sell == 12_500  # 0.0125%
    assert rates_on("futures", date(2024, 10, 1)).stt_sell == 20_000  # 0.02%
    assert kind_of(is_fno=True, symbol="NIFTY25APR22000CE", intraday=True) == "options"
    assert kind_of(is_fno=True, symbol="NIFTY25APRFUT", intraday=False) == "futures"


def trade(opened: datetime, closed: datetime, **extra: object) -> dict[str, object]:
    return {
        "_id": f"trd_{opened.isoformat()}",
        "symbol": "INFY",
        "exchange": "NSE",
        "direction": "LONG",
        "isFno": False,
        "products": [],
        "quantity": 10,
        "openedAt": opened,
        "closedAt": closed,
        "status": "closed",
        "realizedPnl": 1_000 * R,
        "charges": 0,
        "entryValue": 5_000 * R,
        "exitValue": 6_000 * R,
        **extra,
    }


def test_recorded_fees_win_over_the_schedule() -> None:
    doc = trade(datetime(2024, 9, 2, 5, tzinfo=UTC), datetime(2025, 10, 6, 5, tzinfo=UTC))
    assert effective_charges(doc) == (121_633, True)
    assert effective_charges({**doc, "charges": 42}) == (42, False)


def test_tax_heads() -> None:
    opened = datetime(2024, 4, 10, 5, tzinfo=UTC)
    assert head_of(trade(opened, datetime(2025, 4, 10, 5, tzinfo=UTC))) == "stcg"  # exactly 12 months
    assert head_of(trade(opened, datetime(2025, 4, 11, 5, tzinfo=UTC))) == "ltcg"
    assert head_of(trade(opened, datetime(2024, 4, 10, 9, tzinfo=UTC))) == "speculative"
    assert head_of(trade(opened, datetime(2025, 4, 11, 5, tzinfo=UTC), isFno=True)) == "non_speculative"
    assert head_of(trade(datetime(2024, 2, 29, 5, tzinfo=UTC), datetime(2025, 3, 1, 5, tzinfo=UTC))) == "ltcg"


def test_tax_report_takes_the_fy_of_the_ist_close_date() -> None:
    # Closed 31 Mar 2025 20:00 UTC = 1 Apr 2025 01:30 IST: FY 2025-26
    late = trade(datetime(2024, 1, 1, 5, tzinfo=UTC), datetime(2025, 3, 31, 20, tzinfo=UTC), charges=5 * R)
    early = trade(datetime(2024, 1, 2, 5, tzinfo=UTC), datetime(2025, 3, 31, 10, tzinfo=UTC), charges=5 * R)
    table = closed_table([late, early])
    report = tax_report(table, 2025)
    assert [row.doc["_id"] for row in report.rows] == [late["_id"]]
    ltcg = report.totals["ltcg"]
    assert (ltcg.realized, ltcg.charges, ltcg.net, ltcg.trades) == (1_000 * R, 5 * R, 995 * R, 1)
    assert tax_report(table, 2024).totals["ltcg"].trades == 1


def test_fy_parsing() -> None:
    assert parse_fy("2025-26", date(2020, 1, 1)) == 2025
    assert parse_fy(None, date(2026, 3, 31)) == 2025 == fy_of(date(2026, 3, 31))
    for bad in ("2025-27", "2025", "25-26", "2099-00x", "1999-00"):
        with pytest.raises(ValidationFailed):
            parse_fy(bad, date(2025, 1, 1))
