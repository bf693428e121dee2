"""A trade's charges from its document: given fees as they are, else the schedule per leg — the entry
leg at the open, one exit leg per closing fill on its own day, DP charges per delivery sell day.
Figures are hand-computed from the schedule (analytics/charges.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tradetrack.analytics.trade_charges import effective_charges, estimate_charges, trade_charges
from tradetrack.timeutil import IST

R = 10_000  # ₹1 scaled


def at(day: str, hour: int = 10) -> datetime:
    """A time on an IST day, as the UTC instant the engine stores."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=IST).astimezone(UTC)


def sale(
    when: str, acquired: str, units: int, cost: int, price: int, exit_id: str, **extra: Any
) -> dict[str, Any]:
    return {
        "at": at(when, 11),
        "acquiredAt": at(acquired),
        "quantity": units,
        "entryValue": cost * units * R,
        "exitValue": price * units * R,
        "pnl": (price - cost) * units * R,
        "fees": 0,
        "intraday": False,
        "entryExecutionId": f"exe_buy_{acquired}",
        "exitExecutionId": exit_id,
        **extra,
    }


def delivery(
    opened: str, units: int, price: int, sales: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    sold = sum(s["quantity"] for s in sales)
    return {
        "_id": "trd_1",
        "symbol": "INFY",
        "exchange": "NSE",
        "segment": "EQ",
        "isFno": False,
        "direction": "LONG",
        "book": "delivery",
        "status": "closed" if sold == units else "open",
        "openedAt": at(opened),
        "closedAt": sales[-1]["at"] if sales and sold == units else None,
        "quantity": units,
        "entryValue": price * units * R,
        "exitValue": sum(s["exitValue"] for s in sales),
        "realizedPnl": sum(s["pnl"] for s in sales),
        "products": ["CNC"],
        "realizations": sales,
        **extra,
    }


# Buy 10 INFY @ 1,400 on 2 May 2024 (₹14,000), delivery. Entry leg (exchange 0.00322%):
# STT 14 + exchange 0.4508 + SEBI 0.014 + stamp 2.1 + GST 0.0837 (18% of 0.4648) = 16.6485
ENTRY = 166_485
# Sell 5 @ 1,500 on 3 Jun 2024 (₹7,500): STT 8 (7.50 rounded up) + exchange 0.2415 + SEBI 0.0075
#   + GST 0.0448 (18% of 0.249) = 8.2938; DP ₹13 + GST = 15.34 (from 1 Jun 2024)
FIRST_SALE = 82_938 + 153_400
# Sell 5 @ 1,300 on 5 May 2025 (₹6,500; exchange 0.00297%): STT 7 (6.50 rounded up)
#   + exchange 0.1931 (0.19305 half up) + SEBI 0.0065 + GST 0.0359 (18% of 0.1996) = 7.2355; DP 15.34
SECOND_SALE = 72_355 + 153_400


def test_given_fees_are_kept_even_when_zero() -> None:
    # Given a trade whose every fill carried fees (one of them an explicit 0)
    doc = delivery("2024-05-02", 10, 1_400, [sale("2024-06-03", "2024-05-02", 10, 1_400, 1_500, "s1")])
    # When its charges are derived, Then the fees stand as they are, not estimated
    assert trade_charges(doc, fees_given=True, fees=123_456) == (123_456, False)
    assert trade_charges(doc, fees_given=True, fees=0) == (0, False)


def test_partial_sales_are_charged_on_their_own_days() -> None:
    # Given 10 bought on 2 May 2024, 5 sold on 3 Jun 2024 and 5 on 5 May 2025, no fees given
    doc = delivery(
        "2024-05-02",
        10,
        1_400,
        [
            sale("2024-06-03", "2024-05-02", 5, 1_400, 1_500, "s1"),
            sale("2025-05-05", "2024-05-02", 5, 1_400, 1_300, "s2"),
        ],
    )
    # When its charges are derived
    charges = trade_charges(doc, fees_given=False, fees=0)
    # Then it is the entry leg, each sale's leg at its own date's rates and a DP charge per sell day
    assert charges == (ENTRY + FIRST_SALE + SECOND_SALE, True)  # ₹62.8578


def test_an_open_trade_pays_its_entry_and_the_sales_so_far() -> None:
    # Given the same buy still open: first with no sale, then after the first partial sale
    untouched = delivery("2024-05-02", 10, 1_400, [])
    partly_sold = delivery("2024-05-02", 10, 1_400, [sale("2024-06-03", "2024-05-02", 5, 1_400, 1_500, "s1")])
    # When their charges are estimated
    # Then the untouched trade has only its entry leg, the other its entry and the one sale
    assert estimate_charges(untouched) == ENTRY
    assert estimate_charges(partly_sold) == ENTRY + FIRST_SALE


def test_one_closing_fill_over_two_lots_is_one_order_and_one_dp_charge() -> None:
    # Given 5 bought @ 100 on 2 Jun 2025 and 5 @ 110 on 3 Jun 2025, all 10 sold @ 120 by one fill
    # on 4 Jun 2025: two realizations of the same closing fill
    doc = delivery(
        "2025-06-02",
        10,
        105,
        [
            sale("2025-06-04", "2025-06-02", 5, 100, 120, "s1"),
            sale("2025-06-04", "2025-06-03", 5, 110, 120, "s1"),
        ],
    )
    # When its charges are estimated
    charges = estimate_charges(doc)
    # Then the sell is one leg of ₹1,200: STT 1 (1.20) + exchange 0.0356 + SEBI 0.0012 + GST 0.0066
    #   = 1.0434 (two legs of ₹600 would pay STT ₹1 each)
    # and the buy leg of ₹1,050: STT 1 (1.05) + exchange 0.0312 + SEBI 0.0011 + stamp 0.1575
    #   + GST 0.0058 = 1.1956; one DP charge of 15.34
    assert charges == 10_434 + 11_956 + 153_400


def test_the_intraday_book_pays_intraday_rates_and_no_dp() -> None:
    # Given 100 bought @ 1,000 and sold @ 1,010 on 3 Mar 2025 in the intraday book
    doc = delivery(
        "2025-03-03",
        100,
        1_000,
        [sale("2025-03-03", "2025-03-03", 100, 1_000, 1_010, "s1", intraday=True)],
        book="intraday",
        products=["MIS"],
    )
    # When its charges are estimated, Then they are the intraday contract note's, ₹82.4814
    # (tests/unit/test_analytics_charges_tax.py), with no DP charge
    assert estimate_charges(doc) == 824_814


def test_a_short_futures_trade_sells_at_entry_and_buys_at_exit() -> None:
    # Given a NIFTY future sold for ₹17,10,000 and bought back for ₹17,00,000 on 6 Nov 2024
    doc = delivery(
        "2024-11-06",
        1,
        1_710_000,
        [sale("2024-11-06", "2024-11-06", 1, 1_710_000, 1_700_000, "b1", pnl=10_000 * R)],
        symbol="NIFTY24NOVFUT",
        exchange="NFO",
        segment="FO",
        isFno=True,
        direction="SHORT",
        products=["NRML"],
    )
    # When its charges are estimated
    # Then the entry is the sell leg (STT 342: ₹402.5257) and the exit the buy leg (stamp: ₹94.3098)
    assert estimate_charges(doc) == 4_025_257 + 943_098


def test_documents_without_realizations_have_one_exit_leg_at_the_close() -> None:
    # Given an older closed delivery trade: no realizations, book or chargesEstimated, no fees
    doc = delivery("2024-05-02", 10, 1_400, [sale("2024-06-03", "2024-05-02", 10, 1_400, 1_500, "s1")])
    legacy = {k: v for k, v in doc.items() if k not in ("realizations", "book")} | {"charges": 0}
    # When its charges are taken
    # Then the schedule charges the entry and one exit leg of ₹15,000 on 3 Jun 2024: STT 15
    #   + exchange 0.483 + SEBI 0.015 + GST 0.0896 (18% of 0.498 = 0.08964) = 15.5876; DP 15.34
    assert effective_charges(legacy) == (ENTRY + 155_876 + 153_400, True)
