"""The charges schedule (hand-computed contract-note figures: STT and CTT rounded to the rupee per
leg, DP charges on delivery sells) and the tax heads per financial year."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tradetrack.analytics.charges import dp_charges, estimate_trade_charges, kind_of, leg_charges, rates_on
from tradetrack.analytics.realized import realizations_of
from tradetrack.analytics.table import closed_table
from tradetrack.analytics.tax import fy_of, head_of, parse_fy, tax_report
from tradetrack.analytics.trade_charges import effective_charges
from tradetrack.errors import ValidationFailed

R = 10_000  # ₹1 scaled


def test_intraday_equity_charges_are_the_hand_computed_contract_note() -> None:
    # Buy 100 @ 1,000 and sell 100 @ 1,010 on 3 Mar 2025.
    # Buy: brokerage 20 (0.03% = 30, capped) + exchange 2.97 + SEBI 0.10 + stamp 3.00 + GST 4.1526
    # Sell: brokerage 20 + STT 25 (25.25 rounded to the rupee) + exchange 2.9997 + SEBI 0.101
    #   + GST 4.1581 (18% of 23.1007); no DP charge (intraday)
    day = date(2025, 3, 3)
    total = estimate_trade_charges(
        "equity_intraday",
        long=True,
        entry_day=day,
        entry_value=100_000 * R,
        exit_day=day,
        exit_value=101_000 * R,
    )
    assert total == 824_814  # ₹82.4814 = 30.2226 + 52.2588


def test_intraday_equity_before_the_october_2024_revision() -> None:
    # The same round trip on 15 Jun 2022: NSE 0.00345% (the 2021 +6%), SEBI ₹10/crore.
    # Buy: 20 + exchange 3.45 + SEBI 0.10 + stamp 3.00 + GST 4.239 (18% of 23.55) = 30.789
    # Sell: 20 + STT 25 (25.25 rounded) + exchange 3.4845 + SEBI 0.101 + GST 4.2454 (18% of 23.5855
    #       = 4.24539) = 52.8309
    day = date(2022, 6, 15)
    total = estimate_trade_charges(
        "equity_intraday",
        long=True,
        entry_day=day,
        entry_value=100_000 * R,
        exit_day=day,
        exit_value=101_000 * R,
    )
    assert total == 836_199  # ₹83.6199


@pytest.mark.parametrize(
    ("bought", "sold", "expected"),
    [
        # Buy ₹50,000 on 2 Dec 2024: STT 50 + exchange 1.485 + SEBI 0.05 + stamp 7.5
        #   + GST 0.2763 (18% of 1.535) = 59.3113
        # Sell ₹55,000 on 5 Mar 2025: STT 55 + exchange 1.6335 + SEBI 0.055
        #   + GST 0.3039 (18% of 1.6885 = 0.30393) = 56.9924; DP ₹13 + GST 2.34 = 15.34
        (date(2024, 12, 2), date(2025, 3, 5), 593_113 + 569_924 + 153_400),
        # Buy on 1 Feb 2021 (NSE 0.00345%, SEBI ₹5/crore relief): STT 50 + exchange 1.725
        #   + SEBI 0.025 + stamp 7.5 + GST 0.315 (18% of 1.75) = 59.565
        # Sell on 2 Aug 2021 (relief over, ₹10/crore): STT 55 + exchange 1.8975 + SEBI 0.055
        #   + GST 0.3515 (18% of 1.9525 = 0.35145, half up) = 57.304; DP ₹13.50 + GST 2.43 = 15.93
        (date(2021, 2, 1), date(2021, 8, 2), 595_650 + 573_040 + 159_300),
    ],
)
def test_delivery_buy_and_sell(bought: date, sold: date, expected: int) -> None:
    total = estimate_trade_charges(
        "equity_delivery",
        long=True,
        entry_day=bought,
        entry_value=50_000 * R,
        exit_day=sold,
        exit_value=55_000 * R,
    )
    assert total == expected


def test_delivery_legs_use_the_rates_of_their_own_dates() -> None:
    # Buy ₹5,000 on 2 Sep 2024 (exchange 0.00322%), sell ₹6,000 on 6 Oct 2025 (0.00297%):
    # buy 5 + 0.161 + 0.005 + 0.75 + GST 0.0299; sell 6 + 0.1782 + 0.006 + GST 0.0332; DP 15.34
    total = estimate_trade_charges(
        "equity_delivery",
        long=True,
        entry_day=date(2024, 9, 2),
        entry_value=5_000 * R,
        exit_day=date(2025, 10, 6),
        exit_value=6_000 * R,
    )
    assert total == 59_459 + 62_174 + 153_400


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # 15 Feb 2024: STT 0.0625% of premium, NSE 0.0495% of premium.
        # Buy ₹9,000 premium: brokerage 20 + exchange 4.455 + SEBI 0.009 + stamp 0.27
        #   + GST 4.4035 (18% of 24.464 = 4.40352) = 29.1375
        # Sell ₹11,250 premium: 20 + STT 7 (7.03125 to the rupee) + exchange 5.5688 (5.56875)
        #   + SEBI 0.0113 (0.01125) + GST 4.6044 (18% of 25.5801 = 4.604418) = 37.1845
        (date(2024, 2, 15), 291_375 + 371_845),
        # 10 Jan 2025: STT 0.1% of premium, NSE 0.03503% of premium.
        # Buy: 20 + exchange 3.1527 + SEBI 0.009 + stamp 0.27 + GST 4.1691 (18% of 23.1617)
        #   = 27.6008
        # Sell: 20 + STT 11 (11.25 to the rupee) + exchange 3.9409 (3.940875) + SEBI 0.0113
        #   + GST 4.3114 (18% of 23.9522 = 4.311396) = 39.2636
        (date(2025, 1, 10), 276_008 + 392_636),
        # 5 May 2026: STT 0.15% of premium (Finance Act 2026), the rest as in 2025:
        # sell STT 17 (16.875, fifty paise or more up) instead of 11
        (date(2026, 5, 5), 276_008 + 392_636 + 60_000),
    ],
)
def test_index_option_round_trip_pays_stt_on_the_sell_premium(day: date, expected: int) -> None:
    # Buy 75 NIFTY calls @ 120 (premium ₹9,000) and sell them @ 150 (₹11,250) the same day.
    total = estimate_trade_charges(
        kind_of(is_fno=True, symbol="NIFTY25JAN23500CE", intraday=True),
        long=True,
        entry_day=day,
        entry_value=9_000 * R,
        exit_day=day,
        exit_value=11_250 * R,
    )
    assert total == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # 10 Jul 2023: STT 0.0125%, NSE 0.00183%.
        # Buy ₹17,00,000: brokerage 20 (0.03% = 510, capped) + exchange 31.11 + SEBI 1.70
        #   + stamp 34 + GST 9.5058 (18% of 52.81) = 96.3158
        # Sell ₹17,10,000: 20 + STT 214 (213.75 to the rupee) + exchange 31.293 + SEBI 1.71
        #   + GST 9.5405 (18% of 53.003 = 9.54054) = 276.5435
        (date(2023, 7, 10), 963_158 + 2_765_435),
        # 6 Nov 2024: STT 0.02%, NSE 0.00173%.
        # Buy: 20 + exchange 29.41 + SEBI 1.70 + stamp 34 + GST 9.1998 (18% of 51.11) = 94.3098
        # Sell: 20 + STT 342 + exchange 29.583 + SEBI 1.71 + GST 9.2327 (18% of 51.293 = 9.23274)
        #   = 402.5257
        (date(2024, 11, 6), 943_098 + 4_025_257),
        # 5 May 2026: STT 0.05% (Finance Act 2026): sell STT 855 instead of 342.
        (date(2026, 5, 5), 943_098 + 4_025_257 + 5_130_000),
    ],
)
def test_futures_round_trip(day: date, expected: int) -> None:
    total = estimate_trade_charges(
        kind_of(is_fno=True, symbol="NIFTY25JULFUT", intraday=False),
        long=True,
        entry_day=day,
        entry_value=1_700_000 * R,
        exit_day=day,
        exit_value=1_710_000 * R,
    )
    assert total == expected


def test_usdinr_futures_round_trip_pays_no_stt_and_nse_currency_rates() -> None:
    # Given 10 lots of USDINR futures (10 x $1,000) bought @ 84.20 (₹8,42,000) and sold @ 84.30
    # (₹8,43,000) on 6 Nov 2024 (NSE currency futures 0.00035%, stamp 0.0001%, no STT/CTT)
    day = date(2024, 11, 6)
    kind = kind_of(segment="CDS", is_fno=True, symbol="USDINR24NOVFUT", intraday=True)
    # When the round trip is estimated
    total = estimate_trade_charges(
        kind, long=True, entry_day=day, entry_value=842_000 * R, exit_day=day, exit_value=843_000 * R
    )
    # Then buy: brokerage 20 (0.03% = 252.60, capped) + exchange 2.947 + SEBI 0.842 + stamp 0.842
    #   + GST 4.2820 (18% of 23.789 = 4.28202) = 28.9130
    # and sell: 20 + STT 0 + exchange 2.9505 + SEBI 0.843 + GST 4.2828 (18% of 23.7935 = 4.28283)
    #   = 28.0763
    assert kind == "currency_futures"
    assert total == 289_130 + 280_763  # ₹56.9893


def test_currency_option_round_trip_pays_flat_brokerage_and_no_stt() -> None:
    # Given 10 lots of a USDINR call ($10,000) bought @ ₹0.25 (premium ₹2,500) and sold @ ₹0.40
    # (₹4,000) on 10 Jan 2025 (NSE currency options 0.0311% of premium, stamp 0.0001%)
    day = date(2025, 1, 10)
    kind = kind_of(segment="CDS", is_fno=True, symbol="USDINR25JAN86CE", intraday=True)
    # When the round trip is estimated
    total = estimate_trade_charges(
        kind, long=True, entry_day=day, entry_value=2_500 * R, exit_day=day, exit_value=4_000 * R
    )
    # Then buy: brokerage 20 + exchange 0.7775 + SEBI 0.0025 + stamp 0.0025
    #   + GST 3.7404 (18% of 20.78) = 24.5229
    # and sell: 20 + exchange 1.244 + SEBI 0.004 + GST 3.8246 (18% of 21.248 = 3.82464) = 25.0726
    assert kind == "currency_options"
    assert total == 245_229 + 250_726  # ₹49.5955


def test_crudeoil_futures_round_trip_pays_ctt_and_mcx_rates() -> None:
    # Given 1 lot of CRUDEOIL futures (100 barrels) bought @ 6,000 (₹6,00,000) and sold @ 6,050
    # (₹6,05,000) on 3 Mar 2025 (MCX 0.0021%, CTT 0.01% on sell, stamp 0.002%)
    day = date(2025, 3, 3)
    kind = kind_of(segment="COM", is_fno=True, symbol="CRUDEOIL25MARFUT", intraday=True)
    # When the round trip is estimated
    total = estimate_trade_charges(
        kind, long=True, entry_day=day, entry_value=600_000 * R, exit_day=day, exit_value=605_000 * R
    )
    # Then buy: brokerage 20 (0.03% = 180, capped) + exchange 12.60 + SEBI 0.60 + stamp 12.00
    #   + GST 5.976 (18% of 33.20) = 51.176
    # and sell: 20 + CTT 61 (60.50 to the rupee, fifty paise up) + exchange 12.705 + SEBI 0.605
    #   + GST 5.9958 (18% of 33.31) = 100.3058
    assert kind == "commodity_futures"
    assert total == 511_760 + 1_003_058  # ₹151.4818


def test_commodity_option_round_trip_pays_ctt_on_the_sell_premium() -> None:
    # Given 1 lot of a CRUDEOIL call (100 barrels) bought @ 150 (premium ₹15,000) and sold @ 180
    # (₹18,000) on 3 Mar 2025 (MCX 0.0418% of premium, CTT 0.05% on sell, stamp 0.003%)
    day = date(2025, 3, 3)
    kind = kind_of(segment="COM", is_fno=True, symbol="CRUDEOIL25MAR6500CE", intraday=True)
    # When the round trip is estimated
    total = estimate_trade_charges(
        kind, long=True, entry_day=day, entry_value=15_000 * R, exit_day=day, exit_value=18_000 * R
    )
    # Then buy: brokerage 20 + exchange 6.27 + SEBI 0.015 + stamp 0.45
    #   + GST 4.7313 (18% of 26.285 = 4.7313) = 31.4663
    # and sell: 20 + CTT 9 (exact) + exchange 7.524 + SEBI 0.018 + GST 4.9576 (18% of 27.542 = 4.95756)
    #   = 41.4996
    assert kind == "commodity_options"
    assert total == 314_663 + 414_996  # ₹72.9659


def test_kind_of_maps_the_segments() -> None:
    # Given trades of each segment (and documents without one)
    cases = {
        ("EQ", False, "INFY", False): "equity_delivery",
        ("EQ", False, "INFY", True): "equity_intraday",
        ("FO", True, "NIFTY25APRFUT", False): "futures",
        ("FO", True, "NIFTY25APR22000PE", False): "options",
        ("CDS", True, "USDINR25APRFUT", False): "currency_futures",
        ("CDS", True, "EURINR25APR90PE", False): "currency_options",
        ("COM", True, "GOLDM25APRFUT", False): "commodity_futures",
        ("COM", True, "CRUDEOIL25APR6500CE", False): "commodity_options",
        (None, True, "NIFTY25APRFUT", False): "futures",  # no segment: the F&O flag decides
        (None, False, "INFY", True): "equity_intraday",
    }
    # When each is classified, then the segment picks the schedule
    for (segment, is_fno, symbol, intraday), kind in cases.items():
        assert kind_of(segment=segment, is_fno=is_fno, symbol=symbol, intraday=intraday) == kind


def test_the_analytics_table_estimates_commodity_and_currency_trades_by_segment() -> None:
    # Given closed CRUDEOIL (MCX) and USDINR (CDS) futures trades without broker fees, one of them
    # an older document with no segment (the exchange implies it)
    opened = datetime(2025, 3, 3, 5, tzinfo=UTC)
    crude = trade(
        opened,
        datetime(2025, 3, 3, 8, tzinfo=UTC),
        symbol="CRUDEOIL25MARFUT",
        exchange="MCX",
        segment="COM",
        isFno=True,
        entryValue=600_000 * R,
        exitValue=605_000 * R,
    )
    usdinr = trade(
        datetime(2024, 11, 6, 5, tzinfo=UTC),
        datetime(2024, 11, 6, 8, tzinfo=UTC),
        symbol="USDINR24NOVFUT",
        exchange="CDS",
        isFno=True,
        entryValue=842_000 * R,
        exitValue=843_000 * R,
    )
    # When their charges are taken, then they are the commodity and currency schedules' figures
    assert effective_charges(crude) == (1_514_818, True)
    assert effective_charges(usdinr) == (569_893, True)


def test_every_derivative_segment_is_non_speculative_business_income() -> None:
    # Given intraday currency and commodity trades (same IST day)
    opened, closed = datetime(2025, 3, 3, 5, tzinfo=UTC), datetime(2025, 3, 3, 8, tzinfo=UTC)
    # When their tax heads are taken, then F&O of every segment is non-speculative
    for segment, exchange in (("CDS", "CDS"), ("CDS", "BCD"), ("COM", "MCX"), ("FO", "NFO")):
        doc = trade(opened, closed, segment=segment, exchange=exchange, isFno=True)
        assert legacy_head(doc) == "non_speculative"


def test_a_rate_change_is_a_row_with_an_effective_date() -> None:
    stt = {d: rates_on("futures", d).stt_sell for d in (date(2023, 3, 31), date(2023, 4, 1))}
    assert stt == {date(2023, 3, 31): 10_000, date(2023, 4, 1): 12_500}  # 0.01% → 0.0125%
    assert rates_on("futures", date(2024, 9, 30)).stt_sell == 12_500  # 0.0125%
    assert rates_on("futures", date(2024, 10, 1)).stt_sell == 20_000  # 0.02%
    assert rates_on("futures", date(2026, 3, 31)).stt_sell == 20_000
    assert rates_on("futures", date(2026, 4, 1)).stt_sell == 50_000  # 0.05%
    assert rates_on("options", date(2026, 4, 1)).stt_sell == 150_000  # 0.15% of premium
    assert rates_on("equity_delivery", date(2021, 3, 31)).sebi == 50  # ₹5/crore relief
    assert rates_on("equity_delivery", date(2021, 4, 1)).sebi == 100  # ₹10/crore
    assert rates_on("equity_intraday", date(2019, 1, 1)) == rates_on("equity_intraday", date(2020, 7, 1))
    assert kind_of(is_fno=True, symbol="NIFTY25APR22000CE", intraday=True) == "options"
    assert kind_of(is_fno=True, symbol="NIFTY25APRFUT", intraday=False) == "futures"
    assert rates_on("equity_delivery", date(2024, 5, 31)).dp == 135_000  # ₹13.50 per scrip per day
    assert rates_on("equity_delivery", date(2024, 6, 1)).dp == 130_000  # ₹13


def test_dp_charges_are_per_delivery_sell_day_with_gst() -> None:
    # Given a delivery sell before and after the 1 Jun 2024 change, and an intraday sell
    # When the DP charge of the day is taken
    # Then it is ₹13.50 + 18% GST = ₹15.93, then ₹13 + GST = ₹15.34; intraday pays none
    assert dp_charges("equity_delivery", date(2024, 5, 31)) == 159_300
    assert dp_charges("equity_delivery", date(2024, 6, 3)) == 153_400
    assert dp_charges("equity_intraday", date(2024, 6, 3)) == 0
    assert dp_charges("options", date(2024, 6, 3)) == 0


def test_stt_is_rounded_to_the_rupee_fifty_paise_up() -> None:
    # Given intraday sells on 3 Mar 2025 whose STT (0.025%) is exactly ₹0.50 and just under it
    day = date(2025, 3, 3)
    # When each leg is charged
    at_half = leg_charges("equity_intraday", day, 2_000 * R, buy=False)
    under_half = leg_charges("equity_intraday", day, 19_996_000, buy=False)  # ₹1,999.60
    # Then ₹0.50 of STT is ₹1 and ₹0.4999 is nothing (STT Rules 2004, rule 4); the rest keeps paise:
    # ₹2,000: brokerage 0.60 + STT 1 + exchange 0.0594 + SEBI 0.002 + GST 0.1191 (18% of 0.6614)
    assert at_half == 17_805
    # ₹1,999.60: brokerage 0.5999 + STT 0 + exchange 0.0594 + SEBI 0.002 + GST 0.119 (18% of 0.6613)
    assert under_half == 7_803


def test_stamp_duty_keeps_its_paise() -> None:
    # Given a delivery buy of ₹1,234 on 3 Mar 2025 (stamp 0.015% = ₹0.1851, STT 0.1% = ₹1.234)
    # When the leg is charged
    total = leg_charges("equity_delivery", date(2025, 3, 3), 1_234 * R, buy=True)
    # Then STT is ₹1 and stamp duty stays ₹0.1851: exchange 0.0366 + SEBI 0.0012 + GST 0.0068
    assert total == 10_000 + 1_851 + 366 + 12 + 68


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


def legacy_head(doc: dict[str, object]) -> str:
    """The tax head of an older document's one sale (no `realizations`: the whole trade)."""
    (sale,) = realizations_of(doc)
    return head_of(sale)


def test_recorded_fees_win_over_the_schedule() -> None:
    # Given an older closed delivery trade without fees (no chargesEstimated field)
    doc = trade(datetime(2024, 9, 2, 5, tzinfo=UTC), datetime(2025, 10, 6, 5, tzinfo=UTC))
    # Then it gets the schedule's estimate (the legs above and the DP charge of the sell day)
    assert effective_charges(doc) == (121_633 + 153_400, True)
    # And recorded fees win
    assert effective_charges({**doc, "charges": 42}) == (42, False)


def test_stored_charges_are_read_as_they_are() -> None:
    # Given trade documents carrying charges and chargesEstimated (what the FIFO engine stores)
    doc = trade(datetime(2024, 9, 2, 5, tzinfo=UTC), datetime(2025, 10, 6, 5, tzinfo=UTC))
    # When their charges are taken, Then the stored figures are used, even an explicit 0 given as fees
    assert effective_charges({**doc, "charges": 0, "chargesEstimated": False}) == (0, False)
    assert effective_charges({**doc, "charges": 77, "chargesEstimated": True}) == (77, True)


def test_tax_heads() -> None:
    opened = datetime(2024, 4, 10, 5, tzinfo=UTC)
    assert legacy_head(trade(opened, datetime(2025, 4, 10, 5, tzinfo=UTC))) == "stcg"  # exactly 12 months
    assert legacy_head(trade(opened, datetime(2025, 4, 11, 5, tzinfo=UTC))) == "ltcg"
    assert legacy_head(trade(opened, datetime(2024, 4, 10, 9, tzinfo=UTC))) == "speculative"
    assert legacy_head(trade(opened, datetime(2025, 4, 11, 5, tzinfo=UTC), isFno=True)) == "non_speculative"
    leap = trade(datetime(2024, 2, 29, 5, tzinfo=UTC), datetime(2025, 3, 1, 5, tzinfo=UTC))
    assert legacy_head(leap) == "ltcg"


def test_tax_report_takes_the_fy_of_the_ist_close_date() -> None:
    # Closed 31 Mar 2025 20:00 UTC = 1 Apr 2025 01:30 IST: FY 2025-26
    late = trade(datetime(2024, 1, 1, 5, tzinfo=UTC), datetime(2025, 3, 31, 20, tzinfo=UTC), charges=5 * R)
    early = trade(datetime(2024, 1, 2, 5, tzinfo=UTC), datetime(2025, 3, 31, 10, tzinfo=UTC), charges=5 * R)
    sales = closed_table([late, early]).pnl_events().items
    report = tax_report(sales, 2025)
    assert [row.doc["_id"] for row in report.rows] == [late["_id"]]
    ltcg = report.totals["ltcg"]
    assert (ltcg.realized, ltcg.charges, ltcg.net, ltcg.trades) == (1_000 * R, 5 * R, 995 * R, 1)
    assert tax_report(sales, 2024).totals["ltcg"].trades == 1


def test_fy_parsing() -> None:
    assert parse_fy("2025-26", date(2020, 1, 1)) == 2025
    assert parse_fy(None, date(2026, 3, 31)) == 2025 == fy_of(date(2026, 3, 31))
    for bad in ("2025-27", "2025", "25-26", "2099-00x", "1999-00"):
        with pytest.raises(ValidationFailed):
            parse_fy(bad, date(2025, 1, 1))
