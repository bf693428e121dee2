"""The order book and holdings rows a sync keeps (GET /v1/orders, /v1/holdings), read from the
brokers' documented samples: every field the API serves, and the status reduced to a state."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from tests.support.broker_stub import BrokerStub
from tests.unit.brokers.test_kite import kite
from tests.unit.brokers.test_upstox import upstox
from tests.unit.brokers.wire import fixture_bytes, fixture_json
from tradetrack.sync.orderbook import order_state
from tradetrack.timeutil import IST


def test_kite_orders_carry_the_whole_order_book_row(broker_stub: BrokerStub) -> None:
    # Given the published Kite order book
    broker_stub.route("GET", "/orders", fixture_bytes("kite", "orders.json"))
    # When read
    orders = {o.order_id: o for o in kite(broker_stub).orders()}
    # Then a cancelled limit order keeps its quantities, prices, ids and exchange times
    cancelled = orders["100000000000000"]
    assert (cancelled.pending_quantity, cancelled.cancelled_quantity) == (1, 1)
    assert (cancelled.price, cancelled.trigger_price) == (Decimal("72"), Decimal("0"))
    assert (cancelled.order_type, cancelled.variety, cancelled.validity) == ("LIMIT", "regular", "DAY")
    assert (cancelled.exchange_order_id, cancelled.parent_order_id) == ("200000000000000", None)
    assert cancelled.exchange_at == datetime(2021, 5, 31, 9, 15, 38, tzinfo=IST)
    assert cancelled.updated_at == datetime(2021, 5, 31, 9, 18, 58, tzinfo=IST)
    # and a limit order filled below its price keeps both prices exactly
    tata = orders["1953341975595868160"]
    assert (tata.price, tata.average_price) == (Decimal("159.82"), Decimal("156.7"))
    # and a rejection has no exchange update time
    assert orders["220524001859672"].updated_at is None


def test_upstox_orders_carry_the_whole_order_book_row(broker_stub: BrokerStub) -> None:
    # Given the documented Upstox order book
    broker_stub.route("GET", "/v2/order/retrieve-all", fixture_bytes("upstox", "orders.json"))
    documented = {o["order_id"]: o for o in fixture_json("upstox", "orders.json")["data"]}
    # When read
    orders = upstox(broker_stub).orders()
    # Then each order's fields are Upstox's (Upstox reports no cancelled quantity, no update time)
    for order in orders:
        raw = documented[order.order_id]
        assert (order.pending_quantity, order.order_type, order.validity, order.variety) == (
            raw["pending_quantity"],
            raw["order_type"],
            raw["validity"],
            raw["variety"],
        )
        assert order.price == Decimal(str(raw["price"]))
        assert order.exchange_order_id == raw["exchange_order_id"]
        assert (order.cancelled_quantity, order.updated_at) == (None, None)


def test_holdings_carry_product_settlement_and_close(broker_stub: BrokerStub) -> None:
    # Given Kite's and Upstox's documented holdings
    broker_stub.route("GET", "/portfolio/holdings", fixture_bytes("kite", "holdings.json"))
    broker_stub.route("GET", "/v2/portfolio/long-term-holdings", fixture_bytes("upstox", "holdings.json"))
    # When read
    aaron, _ = kite(broker_stub).holdings()
    yes, _ = upstox(broker_stub).holdings()
    # Then product, T+1 and pledged units and the previous close are kept
    assert (aaron.product, aaron.t1_quantity, aaron.collateral_quantity) == ("CNC", 0, 0)
    assert aaron.close_price == Decimal("352.35")
    assert (yes.product, yes.t1_quantity, yes.close_price) == ("D", 0, Decimal("17.05"))


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("COMPLETE", "complete"),
        ("complete", "complete"),
        ("CANCELLED", "cancelled"),
        ("cancelled", "cancelled"),
        ("CANCELLED AMO", "cancelled"),
        ("REJECTED", "rejected"),
        ("rejected", "rejected"),
        ("OPEN", "open"),
        ("TRIGGER PENDING", "open"),
        ("trigger pending", "open"),
        ("OPEN PENDING", "open"),
        ("MODIFY VALIDATION PENDING", "open"),
        ("CANCEL PENDING", "open"),  # asked to cancel, not cancelled yet
        ("not cancelled", "open"),  # Upstox: a cancellation the exchange refused
        ("AMO REQ RECEIVED", "open"),
        ("PUT ORDER REQ RECEIVED", "open"),
    ],
)
def test_a_brokers_status_reduces_to_one_of_four_states(status: str, state: str) -> None:
    assert order_state(status) == state
