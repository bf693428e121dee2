"""The simulated broker's activity: deterministic, progressive, on NSE trading days only, and consistent."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from local.simulated import (
    DEMO_USER_ID,
    SimOrder,
    SimulatedBroker,
    order_charges,
    order_history_json,
    order_json,
    previous_trading_day,
)
from tradetrack.market.calendar import is_trading_day, next_trading_day
from tradetrack.market.providers.simulated import BASE_PRICES
from tradetrack.timeutil import IST

FRIDAY = date(2025, 11, 14)
USERS = ("TT0001", "AB1234", "ZX9876")


def ist(day: date, hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm, ss), tzinfo=IST)


def trading_days(start: date, count: int) -> list[date]:
    days = [start if is_trading_day(start) else next_trading_day(start)]
    while len(days) < count:
        days.append(next_trading_day(days[-1]))
    return days


@pytest.fixture(scope="module")
def broker() -> SimulatedBroker:
    return SimulatedBroker(seed=7)


def signed(side: str, quantity: int) -> int:
    return quantity if side == "BUY" else -quantity


def holdings_totals(broker: SimulatedBroker, user_id: str, moment: datetime) -> dict[str, int]:
    return {
        row["tradingsymbol"]: row["quantity"] + row["t1_quantity"] for row in broker.holdings(user_id, moment)
    }


def test_the_same_seed_user_and_day_give_exactly_the_same_activity() -> None:
    # Given two brokers with the same seed
    first, second = SimulatedBroker(seed=7), SimulatedBroker(seed=7)
    end = ist(FRIDAY, 16, 0)
    # When both are asked for the demo user's Friday
    # Then orders, trades, positions and holdings are identical
    assert first.orders(DEMO_USER_ID, end) == second.orders(DEMO_USER_ID, end)
    assert first.trades(DEMO_USER_ID, end) == second.trades(DEMO_USER_ID, end)
    assert first.positions(DEMO_USER_ID, end) == second.positions(DEMO_USER_ID, end)
    assert first.holdings(DEMO_USER_ID, end) == second.holdings(DEMO_USER_ID, end)
    # And the values are pinned: the day opens with a CNC sale of ITC bought on an earlier day
    trade = first.trades(DEMO_USER_ID, end)[0]
    assert trade == {
        "trade_id": "2511143417455286",
        "order_id": "251114341723796",
        "exchange": "NSE",
        "tradingsymbol": "ITC",
        "instrument_token": 424961,
        "product": "CNC",
        "average_price": 428.0,
        "quantity": 100,
        "exchange_order_id": "1128173223463117",
        "transaction_type": "SELL",
        "fill_timestamp": "2025-11-14 09:29:34",
        "order_timestamp": "09:29:34",
        "exchange_timestamp": "2025-11-14 09:29:34",
    }
    assert len(first.day(DEMO_USER_ID, FRIDAY).fills) == 9


def test_other_users_and_other_seeds_trade_differently(broker: SimulatedBroker) -> None:
    # Given one day / When three users and another seed are asked
    end = ist(FRIDAY, 16, 0)
    ids = [{t["trade_id"] for t in broker.trades(user, end)} for user in USERS]
    other_seed = {t["trade_id"] for t in SimulatedBroker(seed=8).trades(DEMO_USER_ID, end)}
    # Then no two share a trade
    assert all(ids)
    assert not ids[0] & ids[1] and not ids[0] & ids[2] and not ids[1] & ids[2]
    assert not other_seed & ids[0]


def test_fills_appear_progressively_through_the_session(broker: SimulatedBroker) -> None:
    # Given a trading day / When it is synced every 5 minutes from 09:00 to 15:35
    seen: list[list[str]] = []
    moment = ist(FRIDAY, 9, 0)
    while moment <= ist(FRIDAY, 15, 35):
        seen.append([t["trade_id"] for t in broker.trades("AB1234", moment)])
        moment += timedelta(minutes=5)
    # Then nothing is there before the open, each sync finds what the last one did and maybe more
    assert seen[0] == [] and broker.trades("AB1234", ist(FRIDAY, 9, 14, 59)) == []
    for earlier, later in itertools.pairwise(seen):
        assert later[: len(earlier)] == earlier
    # And new fills turn up in many different syncs, until the whole day is there
    assert sum(1 for a, b in itertools.pairwise(seen) if len(b) > len(a)) >= 5
    assert seen[-1] == [f.trade_id for f in broker.day("AB1234", FRIDAY).fills]
    # And every fill is stamped within the session, never after the moment asked
    for trade in broker.trades("AB1234", ist(FRIDAY, 12, 0)):
        assert "09:15:00" <= trade["fill_timestamp"][11:] <= "12:00:00"


@pytest.mark.parametrize(
    "day",
    [date(2025, 11, 15), date(2025, 11, 16), date(2025, 12, 25), date(2025, 10, 21), date(2026, 1, 26)],
    ids=["saturday", "sunday", "christmas", "diwali", "republic-day"],
)
def test_nothing_happens_on_weekends_and_nse_holidays(broker: SimulatedBroker, day: date) -> None:
    # Given a weekend day or an NSE holiday / When any user is asked at noon and at the end of the day
    for user in USERS:
        for moment in (ist(day, 12, 0), ist(day, 23, 59)):
            # Then there are no orders, trades or positions
            assert broker.orders(user, moment) == []
            assert broker.trades(user, moment) == []
            assert broker.positions(user, moment) == {"net": [], "day": []}
            # But the holdings are still there
            assert broker.holdings(user, moment)


def test_a_day_has_about_5_to_30_fills_and_the_range_is_configurable(broker: SimulatedBroker) -> None:
    # Given 20 trading days of three users
    days = trading_days(date(2025, 9, 1), 20)
    counts = [len(broker.day(user, day).fills) for user in USERS for day in days]
    # Then each day has 5 to 30 fills (the last round trip or a CNC sale may go a few over)
    assert min(counts) >= 5
    assert max(counts) <= 36
    # And a broker configured for fewer fills makes fewer; (0, 0) makes none at all
    quiet = SimulatedBroker(seed=7, fills_per_day=(1, 3))
    assert all(len(quiet.day("AB1234", day).fills) <= 10 for day in days)
    idle = SimulatedBroker(seed=7, fills_per_day=(0, 0))
    assert all(idle.day("AB1234", day).orders == () for day in days)
    assert idle.holdings("AB1234", ist(days[-1], 12, 0)) == []
    with pytest.raises(ValueError, match="fills_per_day"):
        SimulatedBroker(fills_per_day=(5, 2))


def test_positions_are_the_signed_sum_of_each_products_fills(broker: SimulatedBroker) -> None:
    # Given several users at several moments of several days
    for day in trading_days(date(2025, 11, 10), 5):
        for user in USERS:
            for moment in (ist(day, 10, 0), ist(day, 13, 7), ist(day, 15, 40)):
                # When positions and fills are read at the same moment
                positions = broker.positions(user, moment)
                fills = broker.trades(user, moment)
                expected: Counter[tuple[str, str]] = Counter()
                for trade in fills:
                    expected[(trade["tradingsymbol"], trade["product"])] += signed(
                        trade["transaction_type"], trade["quantity"]
                    )
                # Then each row's quantity is the overnight quantity plus the signed sum of its fills
                rows = {(row["tradingsymbol"], row["product"]): row for row in positions["net"]}
                assert set(rows) == set(expected)
                for key, row in rows.items():
                    assert row["quantity"] == row["overnight_quantity"] + expected[key]
                    assert row["quantity"] == row["buy_quantity"] - row["sell_quantity"]
                    assert row["pnl"] == pytest.approx(row["value"] + row["quantity"] * row["last_price"])
                # And the day positions say the same (no equity position is carried overnight)
                assert positions["day"] == positions["net"]


def test_intraday_mis_positions_are_squared_off_by_1520(broker: SimulatedBroker) -> None:
    # Given 20 trading days of three users
    for day in trading_days(date(2025, 10, 1), 20):
        for user in USERS:
            activity = broker.day(user, day)
            mis = [fill for fill in activity.fills if fill.product == "MIS"]
            # Then every MIS fill is at or before 15:20 and each symbol's MIS fills net to zero
            assert all(fill.at <= ist(day, 15, 20) for fill in mis)
            net: Counter[str] = Counter()
            for fill in mis:
                net[fill.symbol] += signed(fill.side, fill.quantity)
            assert all(quantity == 0 for quantity in net.values())
            # And at 15:20 the MIS rows of the positions are flat
            at_square_off = broker.positions(user, ist(day, 15, 20))["net"]
            assert all(row["quantity"] == 0 for row in at_square_off if row["product"] == "MIS")


def test_orders_can_fill_in_several_trades_with_one_order_id(broker: SimulatedBroker) -> None:
    # Given a month of activity
    orders = [
        order for day in trading_days(date(2025, 10, 1), 20) for order in broker.day("AB1234", day).orders
    ]
    split = [order for order in orders if len(order.fills) > 1]
    # Then some orders filled in more than one trade, every trade with the order's id and its own trade id
    assert split
    for order in split:
        assert {fill.order_id for fill in order.fills} == {order.order_id}
        assert len({fill.trade_id for fill in order.fills}) == len(order.fills)
        assert sum(fill.quantity for fill in order.fills) == order.quantity
    # And between two of its fills the order is OPEN, partly filled
    order = next(o for o in split if o.fills[0].at < o.fills[-1].at)
    between = order.fills[0].at
    state = order_json(order, between)
    assert state["status"] == "OPEN"
    assert 0 < state["filled_quantity"] < order.quantity
    assert state["pending_quantity"] == order.quantity - state["filled_quantity"]
    assert order_json(order, order.ended_at)["status"] == "COMPLETE"


def test_cancelled_and_rejected_orders_have_no_trades(broker: SimulatedBroker) -> None:
    # Given a month of activity
    orders = [
        order for day in trading_days(date(2025, 10, 1), 20) for order in broker.day("AB1234", day).orders
    ]
    cancelled = [o for o in orders if o.outcome == "CANCELLED"]
    rejected = [o for o in orders if o.outcome == "REJECTED"]
    # Then both kinds occur, never with fills
    assert cancelled and rejected
    assert all(o.fills == () for o in cancelled + rejected)
    # And Kite reports a cancellation after it happened, a rejection at once with its reason
    for order in cancelled:
        assert order_json(order, order.placed_at)["status"] == "OPEN"
        after = order_json(order, order.ended_at)
        assert after["status"] == "CANCELLED" and after["cancelled_quantity"] == order.quantity
    for order in rejected:
        state = order_json(order, order.placed_at)
        assert state["status"] == "REJECTED" and state["exchange_order_id"] is None
        assert state["status_message"] and state["filled_quantity"] == 0


def test_holdings_carry_each_days_cnc_fills_into_the_next_day(broker: SimulatedBroker) -> None:
    # Given consecutive trading days
    days = trading_days(date(2025, 10, 6), 15)
    for user in USERS:
        for day, following in itertools.pairwise(days):
            # When the holdings before the open are compared with the next day's
            before = Counter(holdings_totals(broker, user, ist(day, 8, 0)))
            after = Counter(holdings_totals(broker, user, ist(following, 8, 0)))
            delivery: Counter[str] = Counter()
            for fill in broker.day(user, day).fills:
                if fill.product == "CNC":
                    delivery[fill.symbol] += signed(fill.side, fill.quantity)
            # Then the difference is exactly that day's CNC fills
            before.update(delivery)
            assert +before == +after
            # And no CNC sale took more than was held that morning
            sold = Counter({s: -q for s, q in delivery.items() if q < 0})
            held = holdings_totals(broker, user, ist(day, 8, 0))
            assert all(held.get(symbol, 0) >= quantity for symbol, quantity in sold.items())


def test_a_lot_bought_yesterday_is_t1_and_todays_sales_are_used_quantity(broker: SimulatedBroker) -> None:
    # Given a day on which the user bought a CNC lot
    day = next(
        d
        for d in trading_days(date(2025, 10, 1), 30)
        if any(o.product == "CNC" and o.side == "BUY" and o.fills for o in broker.day("AB1234", d).orders)
    )
    bought = next(
        o for o in broker.day("AB1234", day).orders if o.product == "CNC" and o.side == "BUY" and o.fills
    )
    following = next_trading_day(day)
    # When the next trading day's holdings are read before the open
    row = next(
        h for h in broker.holdings("AB1234", ist(following, 9, 0)) if h["tradingsymbol"] == bought.symbol
    )
    # Then the lot is there, still unsettled
    assert row["t1_quantity"] >= bought.quantity
    assert row["opening_quantity"] == row["quantity"] + row["t1_quantity"]
    # And over any day, used_quantity is what the CNC sales have taken so far
    for d in trading_days(date(2025, 10, 1), 10):
        end = ist(d, 15, 30)
        sold: Counter[str] = Counter()
        for trade in broker.trades("AB1234", end):
            if trade["product"] == "CNC" and trade["transaction_type"] == "SELL":
                sold[trade["tradingsymbol"]] += trade["quantity"]
        assert {
            h["tradingsymbol"]: h["used_quantity"]
            for h in broker.holdings("AB1234", end)
            if h["used_quantity"]
        } == dict(sold)


def test_prices_quantities_times_and_ids_look_like_nse_and_kite(broker: SimulatedBroker) -> None:
    # Given a month of one user's activity
    orders: list[SimOrder] = [
        o for d in trading_days(date(2025, 10, 1), 22) for o in broker.day("ZX9876", d).orders
    ]
    fills = [fill for order in orders for fill in order.fills]
    for fill in fills:
        # Then prices are on the 0.05 tick and near the stock's usual level
        assert fill.price % Decimal("0.05") == 0
        base = BASE_PRICES[f"NSE:{fill.symbol}"]
        assert base * Decimal("0.85") < fill.price < base * Decimal("1.15")
        assert fill.quantity > 0
        # And fills happen during the session
        assert time(9, 15) <= fill.at.timetz().replace(tzinfo=None) <= time(15, 30)
    # And ids never repeat, across days too, in Kite's shapes
    assert len({o.order_id for o in orders}) == len(orders)
    assert len({f.trade_id for f in fills}) == len(fills)
    assert all(len(o.order_id) == 15 and o.order_id.isdigit() for o in orders)
    assert all(len(f.trade_id) == 16 and f.trade_id.isdigit() for f in fills)
    # And order ids grow with the time placed, as Kite's do
    for day in trading_days(date(2025, 10, 1), 3):
        ids = [o.order_id for o in broker.day("ZX9876", day).orders]
        assert ids == sorted(ids)


def test_order_history_walks_through_kites_states(broker: SimulatedBroker) -> None:
    # Given a completed order that filled in two or more trades
    order = next(
        o
        for d in trading_days(date(2025, 10, 1), 20)
        for o in broker.day("AB1234", d).orders
        if len(o.fills) > 1
    )
    # When its history is read after the last fill
    statuses = [state["status"] for state in order_history_json(order, order.ended_at)]
    # Then it goes through validation, opens, partly fills and completes
    assert statuses[:4] == ["PUT ORDER REQ RECEIVED", "VALIDATION PENDING", "OPEN PENDING", "OPEN"]
    assert statuses[4:] == ["OPEN"] * (len(order.fills) - 1) + ["COMPLETE"]
    # And before the first fill it is only open
    assert order_history_json(order, order.placed_at)[-1]["status"] == "OPEN"


def test_quotes_follow_the_simulated_market(broker: SimulatedBroker) -> None:
    # Given noon on a trading day
    noon = ist(FRIDAY, 12, 0)
    quote = broker.quote("NSE:INFY", noon)
    assert quote is not None
    # Then the last price is within the day's range and the close is the previous day's close
    ohlc = quote["ohlc"]
    assert ohlc["low"] <= quote["last_price"] <= ohlc["high"]
    assert ohlc["close"] == float(broker.market.close("INFY", previous_trading_day(FRIDAY)))
    assert broker.ltp("NSE:INFY", noon) == {"instrument_token": 408065, "last_price": quote["last_price"]}
    # And an instrument it does not know has no quote
    assert broker.quote("NSE:NOSUCH", noon) is None and broker.ltp("BSE:INFY", noon) is None
    # And on a Saturday the quote is Friday's close
    saturday = broker.ltp("NSE:INFY", ist(FRIDAY + timedelta(days=1), 12, 0))
    assert saturday is not None and saturday["last_price"] == float(broker.market.close("INFY", FRIDAY))


def test_charges_follow_zerodhas_equity_rates() -> None:
    # Given an intraday sale of ₹2,00,000 / When its charges are computed
    intraday = order_charges(exchange="NSE", product="MIS", side="SELL", quantity=200, price=Decimal(1000))
    # Then brokerage is capped at ₹20, STT is 0.025% of the sale, no stamp duty on a sale
    assert intraday["brokerage"] == 20.0
    assert intraday["transaction_tax"] == 50.0
    assert intraday["stamp_duty"] == 0.0
    assert intraday["exchange_turnover_charge"] == pytest.approx(5.94)
    assert intraday["gst"]["total"] == pytest.approx(0.18 * (20 + 5.94 + 0.2))
    # Given a delivery buy of ₹560 / Then no brokerage, 0.1% STT and 0.015% stamp duty
    delivery = order_charges(exchange="NSE", product="CNC", side="BUY", quantity=1, price=Decimal(560))
    assert delivery["brokerage"] == 0.0
    assert delivery["transaction_tax"] == 0.56
    assert delivery["stamp_duty"] == 0.084
    parts = ("transaction_tax", "exchange_turnover_charge", "sebi_turnover_charge", "brokerage", "stamp_duty")
    assert delivery["total"] == pytest.approx(
        sum(delivery[part] for part in parts) + delivery["gst"]["total"]
    )
