"""Worked examples of the journal's rules for real accounts, answers computed by hand: instrument
identity, same-day netting, product books, unmatched exits and opening lots, corporate actions,
expiry, per-sale realizations."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from tradetrack.analytics.adjustments import Adjustment
from tradetrack.analytics.expiry_rules import expired_keys, expiry_adjustments
from tradetrack.analytics.fifo import Fill, match
from tradetrack.db.corporate_actions import ex_date_start
from tradetrack.db.executions import to_document
from tradetrack.derive import derive
from tradetrack.instruments.expiry import contract_of, monthly_expiry
from tradetrack.models.executions import ExecutionIn
from tradetrack.money import money_str, to_scaled

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def execution(n: int, symbol: str, side: str, qty: int, price: str, at: str, **extra: Any) -> dict[str, Any]:
    item = ExecutionIn.model_validate(
        {
            "accountId": "kite",
            "symbol": symbol,
            "exchange": extra.pop("exchange", "NSE"),
            "side": side,
            "quantity": qty,
            "price": price,
            "executedAt": at,
            "externalId": f"T{n}",
            **extra,
        }
    )
    return to_document("usr", "zerodha", item)


def fill(
    n: int, side: str, qty: int, price: str, day: date, *, product: str | None = None, **kw: Any
) -> Fill:
    return Fill(
        execution_id=f"exe_{n}",
        side=side,  # type: ignore[arg-type]
        quantity=qty,
        price=to_scaled(Decimal(price)),
        fees=0,
        executed_at=datetime(day.year, day.month, day.day, 5, 0, tzinfo=UTC) + timedelta(minutes=n),
        product=product,
        **kw,
    )


def rupees(value: int) -> str:
    return money_str(value)


# ---- identity ------------------------------------------------------------------------------------


def test_one_isin_under_two_symbols_is_one_holding() -> None:
    # Given SCHNEIDER-BE and SCHNEIDER (one ISIN) bought, then sold as SCHNEIDER
    isin = "INE839M01018"
    docs = [
        execution(1, "SCHNEIDER-BE", "BUY", 37, "826.5", "2024-04-15T10:00:00", isin=isin),
        execution(2, "SCHNEIDER", "BUY", 1, "698.4", "2024-06-10T10:00:00", isin=isin),
        execution(3, "SCHNEIDER", "SELL", 38, "817.03", "2024-08-05T10:00:00", isin=isin),
    ]
    # Then they are one instrument, closed at -231.76, with nothing open and shown by its symbol
    assert {doc["instrument"] for doc in docs} == {f"ISIN:{isin}"}
    (trade,) = derive(docs, as_of=NOW).trades
    assert (trade["status"], rupees(trade["realizedPnl"]), trade["symbol"]) == (
        "closed",
        "-231.76",
        "SCHNEIDER",
    )


# ---- books -----------------------------------------------------------------------------------------


def test_an_mis_sell_never_closes_a_cnc_holding() -> None:
    # Given 10 shares held in CNC for 8 days, then an intraday (MIS) short sold and covered
    result = match(
        [
            fill(1, "BUY", 10, "100", date(2026, 3, 2), product="CNC"),
            fill(2, "SELL", 10, "110", date(2026, 3, 10), product="MIS"),
            fill(3, "BUY", 10, "105", date(2026, 3, 10), product="MIS"),
        ],
        equity=True,
    )
    # Then the holding stays open and the intraday round trip is a short of its own
    holding, intraday = result.trades
    assert (holding.book, holding.is_open, holding.open_quantity) == ("delivery", True, 10)
    assert (intraday.book, intraday.direction, rupees(intraday.realized_pnl)) == ("intraday", "SHORT", "50")


def test_same_day_delivery_buys_and_sells_net_to_intraday_before_fifo() -> None:
    # Given 20 held from last month, and today a sell of 10 @ 120 then a buy of 10 @ 118
    result = match(
        [
            fill(1, "BUY", 20, "100", date(2026, 2, 2)),
            fill(2, "SELL", 10, "120", date(2026, 3, 2)),
            fill(3, "BUY", 10, "118", date(2026, 3, 2)),
        ],
        equity=True,
    )
    # Then today's 10 are an intraday round trip (+20, speculative) and the old lot is untouched
    holding, intraday = result.trades
    assert (intraday.book, rupees(intraday.realized_pnl), intraday.closed_at is not None) == (
        "intraday",
        "20",
        True,
    )
    assert (holding.open_quantity, rupees(holding.open_cost), holding.realizations) == (20, "2000", [])


# ---- unmatched exits and opening lots -------------------------------------------------------------


def test_a_delivery_sell_without_a_lot_is_unmatched_until_an_opening_lot_explains_it() -> None:
    sell = fill(2, "SELL", 5, "150", date(2024, 6, 3))
    # Given a sell of 5 shares the journal never saw bought
    alone = match([sell], equity=True)
    assert (alone.trades, [(u.execution_id, u.quantity) for u in alone.unmatched]) == ([], [("exe_2", 5)])
    # When the opening lot (5 @ 100 acquired 2023-01-10) is added
    opening = fill(1, "BUY", 5, "100", date(2023, 1, 10), opening=True)
    (trade,) = match([sell, opening], equity=True).trades
    # Then the sale closes it: +250, long-term (acquired 2023)
    assert (trade.is_open, rupees(trade.realized_pnl)) == (False, "250")
    assert [r.acquired_at.date() for r in trade.realizations] == [date(2023, 1, 10)]


def test_a_holdings_snapshot_adds_only_what_the_fills_before_it_do_not_explain() -> None:
    # Given 30 bought in the journal, then a holdings file saying 50 were held a month later
    bought = fill(1, "BUY", 30, "100", date(2024, 5, 2))
    snapshot = fill(9, "BUY", 50, "90", date(2024, 6, 3), opening=True, snapshot=True)
    sold = fill(3, "SELL", 50, "110", date(2024, 7, 1))
    (trade,) = match([bought, snapshot, sold], equity=True).trades
    # Then 20 came from before the data (at the snapshot's average), first in FIFO: 20×20 + 30×10
    assert (trade.is_open, rupees(trade.realized_pnl)) == (False, "700")
    # And re-reading the same snapshot after more history arrives changes nothing twice
    again = match([bought, snapshot, snapshot, sold], equity=True).trades
    assert [rupees(t.realized_pnl) for t in again] == ["700"]


# ---- corporate actions ----------------------------------------------------------------------------


def test_a_split_keeps_the_cost_and_doubles_the_units() -> None:
    # Given 57 bought at 577.83 before a 1:2 split, and 114 sold at 285 after it
    split = Adjustment("ca_1", "split", ex_date_start("2024-10-09"), 2, 1)
    fills = [fill(1, "BUY", 57, "577.83", date(2024, 6, 10)), fill(2, "SELL", 114, "285", date(2025, 1, 3))]
    result = match(fills, equity=True, adjustments=[split])
    # Then one closed trade: 114 × 285 − 57 × 577.83, no short, nothing unmatched
    (trade,) = result.trades
    assert (trade.is_open, rupees(trade.realized_pnl), result.unmatched) == (False, "-446.31", [])


def test_bonus_shares_cost_nothing_and_are_held_from_their_allotment() -> None:
    # Given 10 bought in 2023 at 100, a 1:1 bonus (ex 2024-01-10), and all 20 sold at 60 in June 2024
    bonus = Adjustment("ca_b", "bonus", ex_date_start("2024-01-10"), 2, 1)
    fills = [fill(1, "BUY", 10, "100", date(2023, 1, 2)), fill(2, "SELL", 20, "60", date(2024, 6, 3))]
    (trade,) = match(fills, equity=True, adjustments=[bonus]).trades
    # Then the P&L is 1,200 − 1,000; the original 10 are long-term, the bonus 10 short-term at cost 0
    assert rupees(trade.realized_pnl) == "200"
    assert [(r.quantity, rupees(r.entry_value), r.acquired_at.date()) for r in trade.realizations] == [
        (10, "1000", date(2023, 1, 2)),
        (10, "0", date(2024, 1, 10)),  # allotted on the ex-date (00:00 IST)
    ]


def test_a_demerger_moves_part_of_the_cost_to_the_new_company_with_the_old_dates() -> None:
    # Given 12 shares (8 @ 1317.55 and 4 @ 1317.60) held at a 1-for-2 demerger moving 10.65% of cost
    demerger = Adjustment("ca_d", "demerger", ex_date_start("2024-12-06"), 1, 2, Decimal("10.65"))
    fills = [
        fill(1, "BUY", 8, "1317.55", date(2024, 8, 27)),
        fill(2, "BUY", 4, "1317.60", date(2024, 8, 27)),
        fill(3, "SELL", 12, "698.60", date(2025, 1, 3)),
    ]
    result = match(fills, equity=True, adjustments=[demerger])
    # Then the parent's cost is 89.35% of 15,810.80, and the new company has 6 shares costing the rest
    (trade,) = result.trades
    assert rupees(trade.realized_pnl) == rupees(
        to_scaled(Decimal("8383.20")) - to_scaled(Decimal("14126.9498"))
    )
    spawned = result.spawned["ca_d"]
    assert [(lot.quantity, rupees(lot.cost)) for lot in spawned] == [(4, "1122.5526"), (2, "561.2976")]
    assert {lot.acquired_at.date() for lot in spawned} == {date(2024, 8, 27)}


# ---- expiry ------------------------------------------------------------------------------------


def test_monthly_expiry_days_follow_the_exchange_rules() -> None:
    assert monthly_expiry("NFO", 2024, 6) == date(2024, 6, 27)  # last Thursday
    assert monthly_expiry("NFO", 2025, 9) == date(2025, 9, 30)  # last Tuesday from Sep 2025
    assert monthly_expiry("NFO", 2025, 12) == date(2025, 12, 30)
    assert monthly_expiry("CDS", 2025, 6) == date(2025, 6, 26)  # 30 Jun is the last business day
    assert monthly_expiry("CDS", 2025, 8) == date(2025, 8, 26)  # 29 Aug the last; 27 Aug a holiday
    assert monthly_expiry("MCX", 2024, 6) is None


def test_an_option_out_of_the_money_expires_worthless_and_one_in_the_money_at_its_intrinsic_value() -> None:
    otm, itm = "NFO:NIFTY:2024-06-13:CE:22000", "NFO:NIFTY:2024-06-13:PE:23500"
    expired = expired_keys([otm, itm, "NFO:NIFTY:2099-01-01:CE:1"], NOW)
    assert set(expired) == {otm, itm}  # not the one that has not expired
    # Given NIFTY settled at 23,398.90 on 13 June 2024
    adjustments = expiry_adjustments(
        expired, {("NFO", "NIFTY", date(2024, 6, 13)): to_scaled(Decimal("23398.9"))}
    )
    bought = [fill(1, "BUY", 50, "12.5", date(2024, 6, 10), product="NRML")]
    # Then the call (strike 22,000) settles at 1,398.90 and the put (strike 23,500) at 101.10
    (call,) = match(bought, adjustments=[adjustments[otm]]).trades
    (put,) = match(bought, adjustments=[adjustments[itm]]).trades
    assert (call.is_open, rupees(call.realized_pnl)) == (False, rupees(50 * to_scaled(Decimal("1386.4"))))
    assert (put.is_open, rupees(put.realized_pnl)) == (False, "4430")
    assert contract_of("NFO:NIFTY:2024-06:FUT") is not None


def test_a_partial_sale_across_financial_years_is_two_sales_with_their_own_dates() -> None:
    # Given 10 bought 2024-05-02 @ 1400, 5 sold 2024-06-03 @ 1500, 5 sold 2025-05-05 @ 1300
    fills = [
        fill(1, "BUY", 10, "1400", date(2024, 5, 2), product="CNC"),
        fill(2, "SELL", 5, "1500", date(2024, 6, 3), product="CNC"),
        fill(3, "SELL", 5, "1300", date(2025, 5, 5), product="CNC"),
    ]
    (trade,) = match(fills, equity=True).trades
    # Then two realizations: +500 in June 2024 and -500 in May 2025, both from the May 2024 lot
    assert [(r.at.date(), rupees(r.pnl), r.acquired_at.date()) for r in trade.realizations] == [
        (date(2024, 6, 3), "500", date(2024, 5, 2)),
        (date(2025, 5, 5), "-500", date(2024, 5, 2)),
    ]


def test_a_holdings_snapshot_dates_its_long_term_units_a_year_and_a_day_earlier() -> None:
    # Given a holding of 10 on 2024-03-31 of which Console says 6 are long-term, at 100 on average
    snapshot = fill(1, "BUY", 10, "100", date(2024, 3, 31), opening=True, snapshot=True, long_term=6)
    sold = fill(2, "SELL", 10, "120", date(2024, 6, 3))
    (trade,) = match([snapshot, sold], equity=True).trades
    # Then the sale is 6 units acquired more than a year before it (LTCG) and 4 from the snapshot's day
    assert [(r.quantity, r.acquired_at.date(), rupees(r.entry_value)) for r in trade.realizations] == [
        (6, date(2023, 3, 31), "600"),
        (4, date(2024, 3, 31), "400"),
    ]
    assert rupees(trade.realized_pnl) == "200"


def test_a_contract_traded_in_lots_is_worth_price_times_quantity_times_its_multiplier() -> None:
    # Given Kite's LEADMINI future: 1 lot of 1,000 kg bought at 161.05 and sold at 162.30
    docs = [
        execution(
            1, "LEADMINI17DECFUT", "BUY", 1, "161.05", "2017-12-01T10:00:00", exchange="MCX", multiplier=1000
        ),
        execution(
            2, "LEADMINI17DECFUT", "SELL", 1, "162.30", "2017-12-04T10:00:00", exchange="MCX", multiplier=1000
        ),
    ]
    (trade,) = derive(docs, as_of=NOW).trades
    # Then the P&L is 1.25 × 1 × 1,000, and prices stay per kg
    assert (rupees(trade["realizedPnl"]), rupees(trade["entryValue"])) == ("1250", "161050")
    assert (rupees(trade["avgEntry"]), rupees(trade["avgExit"]), trade["multiplier"]) == (
        "161.05",
        "162.3",
        1000,
    )


def test_synced_fills_take_the_lot_multiplier_of_the_days_positions() -> None:
    from tradetrack.brokers.base import BrokerPosition
    from tradetrack.sync.fills import with_multipliers

    fill_in = ExecutionIn.model_validate(
        {"symbol": "LEADMINI17DECFUT", "exchange": "MCX", "side": "BUY", "quantity": 1, "price": "161.05"}
        | {"executedAt": "2017-12-01T10:00:00"}
    )
    position = BrokerPosition("LEADMINI17DECFUT", "MCX", "NRML", 1, Decimal("161.05"), multiplier=1000)
    (item,) = with_multipliers([fill_in], [position])
    assert item.multiplier == 1000
