"""KiteClient against a stub serving Zerodha's published Kite Connect v3 mock responses."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.broker_stub import BrokerStub, Reply
from tests.unit.brokers.wire import FakeClock, GateLog, fixture_bytes, fixture_json
from tradetrack.brokers.base import (
    Broker,
    BrokerAuthError,
    BrokerError,
    BrokerInputError,
    BrokerLogin,
    BrokerOrder,
    BrokerPermissionError,
    BrokerRateLimited,
    BrokerUnavailable,
    BrokerUnsupported,
)
from tradetrack.brokers.kite import KiteClient, parse_order_id
from tradetrack.brokers.kite_records import ChargeRequest
from tradetrack.brokers.retry import RetryPolicy
from tradetrack.timeutil import IST

NOW = datetime(2021, 5, 31, 10, 0, tzinfo=IST)


def kite(stub: BrokerStub, fake_clock: FakeClock | None = None, **kwargs: Any) -> KiteClient:
    """A client on the stub whose retry waits are recorded, not slept (jitter fixed at half)."""
    fake = fake_clock or FakeClock()
    token = kwargs.pop("access_token", "tok456")
    options: dict[str, Any] = {
        "api_secret": "secret789",
        "base_url": stub.url,
        "sleep": fake.sleep,
        "clock": fake,
        "now": lambda: NOW,
        "rand": lambda: 0.5,
    }
    options.update(kwargs)
    return KiteClient("key123", token, **options)


def success(data: Any) -> dict[str, Any]:
    return {"status": "success", "data": data}


# -- the wire format -----------------------------------------------------------------------------


def test_kite_client_is_a_broker_and_a_login() -> None:
    # Given a client / Then it satisfies both protocols, named zerodha unless told otherwise
    client = KiteClient("k", "t")
    broker: Broker = client
    login: BrokerLogin = client
    assert broker.name == login.name == "zerodha"
    assert KiteClient("k", "t", name="simulated").name == "simulated"


def test_every_request_carries_the_v3_header_and_the_token(broker_stub: BrokerStub) -> None:
    # Given Kite answering /orders
    broker_stub.route("GET", "/orders", success([]))
    # When orders are read
    kite(broker_stub).orders()
    # Then the request named API version 3 and authorised with "token api_key:access_token"
    (request,) = broker_stub.requests
    assert request.headers["X-Kite-Version"] == "3"
    assert request.headers["Authorization"] == "token key123:tok456"


# -- every published mock response, parsed by the method that fetches it -------------------------


def test_trades_are_fills_with_exact_prices_and_ist_times(broker_stub: BrokerStub) -> None:
    # Given the published tradebook
    broker_stub.route("GET", "/trades", fixture_bytes("kite", "trades.json"))
    # When today's trades are read
    fills = kite(broker_stub).trades()
    # Then each trade is a fill at its exact price, timed by fill_timestamp in IST
    assert [f.trade_id for f in fills] == ["10000000", "40000000", "70000000", "90000000"]
    sbin = fills[0]
    assert (sbin.order_id, sbin.symbol, sbin.exchange, sbin.side) == ("200000000000000", "SBIN", "NSE", "BUY")
    assert (sbin.quantity, sbin.price, sbin.product) == (1, Decimal("420.65"), "CNC")
    assert sbin.executed_at == datetime(2021, 5, 31, 9, 16, 39, tzinfo=IST)
    assert sbin.executed_at.utcoffset() is not None
    assert fills[1].price == Decimal("72.755") and fills[1].exchange == "CDS"
    assert fills[3].executed_at.isoformat() == "2021-05-31T16:08:41+05:30"


def test_fill_time_falls_back_to_exchange_then_order_timestamp(broker_stub: BrokerStub) -> None:
    # Given trades lacking fill_timestamp, one lacking exchange_timestamp too (order time "HH:MM:SS")
    base = fixture_json("kite", "trades.json")["data"][0]
    no_fill = {**base, "trade_id": "1", "fill_timestamp": None, "exchange_timestamp": "2021-05-31 09:16:40"}
    order_only = {**base, "trade_id": "2", "fill_timestamp": None, "exchange_timestamp": None}
    broker_stub.route("GET", "/trades", success([no_fill, order_only]))
    # When read
    first, second = kite(broker_stub).trades()
    # Then the exchange time is used, else the order time on today's IST date
    assert first.executed_at == datetime(2021, 5, 31, 9, 16, 40, tzinfo=IST)
    assert second.executed_at == datetime(2021, 5, 31, 9, 16, 39, tzinfo=IST)


def test_order_trades_are_read_from_the_orders_trades_path(broker_stub: BrokerStub) -> None:
    # Given the published trades of one order
    broker_stub.route("GET", "/orders/200000000000000/trades", fixture_bytes("kite", "order_trades.json"))
    # When read
    (fill,) = kite(broker_stub).order_trades("200000000000000")
    # Then the MCX fill is exact
    assert (fill.symbol, fill.exchange, fill.product) == ("GOLDPETAL21JUNFUT", "MCX", "NRML")
    assert fill.price == Decimal("4852") and fill.quantity == 1
    assert fill.executed_at == datetime(2021, 5, 31, 16, 0, 36, tzinfo=IST)


def test_orders_keep_status_fills_and_average_price(broker_stub: BrokerStub) -> None:
    # Given the published orderbook
    broker_stub.route("GET", "/orders", fixture_bytes("kite", "orders.json"))
    # When read
    orders = {o.order_id: o for o in kite(broker_stub).orders()}
    # Then every order is there with Kite's status text
    assert len(orders) == 10
    bought = orders["300000000000000"]
    assert (bought.status, bought.symbol, bought.exchange, bought.side) == ("COMPLETE", "IOC", "NSE", "BUY")
    assert (bought.quantity, bought.filled_quantity, bought.average_price) == (1, 1, Decimal("109.4"))
    assert bought.placed_at == datetime(2021, 5, 31, 15, 20, 28, tzinfo=IST)
    assert orders["500000000000000"].side == "SELL" and orders["500000000000000"].average_price == Decimal(
        "109.35"
    )
    # And an unfilled order has no average price (Kite's 0), a rejection keeps its reason
    assert orders["100000000000000"].average_price is None
    rejected = orders["220524001859672"]
    assert rejected.status == "REJECTED" and rejected.status_message is not None
    assert rejected.status_message.startswith("Insufficient funds")
    option = orders["1953367517686685697"]
    assert (option.exchange, option.quantity, option.average_price) == ("NFO", 150, Decimal("12.3"))
    assert orders["250117800776785"].product == "MTF"


def test_order_history_lists_every_state_of_an_order(broker_stub: BrokerStub) -> None:
    # Given the published history of one order
    broker_stub.route("GET", "/orders/171229000724687", fixture_bytes("kite", "order_info.json"))
    # When read
    history = kite(broker_stub).order_history("171229000724687")
    # Then each state is an order record, oldest first
    assert [o.status for o in history] == [
        "PUT ORDER REQ RECEIVED",
        "VALIDATION PENDING",
        "OPEN PENDING",
        "OPEN",
        "MODIFY VALIDATION PENDING",
        "MODIFY PENDING",
        "MODIFIED",
        "OPEN",
    ]
    assert history[-1].placed_at == datetime(2017, 12, 29, 11, 8, 16, tzinfo=IST)
    assert all(o.average_price is None and o.filled_quantity == 0 for o in history)


def test_positions_are_the_net_list(broker_stub: BrokerStub) -> None:
    # Given the published positions (net and day lists)
    broker_stub.route("GET", "/portfolio/positions", fixture_bytes("kite", "positions.json"))
    # When read
    positions = kite(broker_stub).positions()
    # Then only the net list is returned
    assert [(p.symbol, p.quantity) for p in positions] == [
        ("LEADMINI17DECFUT", 1),
        ("GOLDGUINEA17DECFUT", 0),
        ("SBIN", 0),
    ]
    lead = positions[0]
    assert (lead.exchange, lead.product, lead.average_price, lead.last_price) == (
        "MCX",
        "NRML",
        Decimal("161.05"),
        Decimal("161.05"),
    )
    # And a flat position has no average price
    assert positions[1].average_price is None and positions[1].last_price == Decimal("23355")


def test_a_short_position_has_a_negative_quantity(broker_stub: BrokerStub) -> None:
    # Given the day list's short GOLDGUINEA position as a net one
    short = fixture_json("kite", "positions.json")["data"]["day"][0]
    broker_stub.route("GET", "/portfolio/positions", success({"net": [short], "day": []}))
    # When read / Then it is -3 at its average price
    (position,) = kite(broker_stub).positions()
    assert (position.quantity, position.average_price) == (-3, Decimal("23340"))


def test_holdings_carry_isin_and_exact_average_price(broker_stub: BrokerStub) -> None:
    broker_stub.route("GET", "/portfolio/holdings", fixture_bytes("kite", "holdings.json"))
    aaron, sbin = kite(broker_stub).holdings()
    assert (aaron.symbol, aaron.exchange, aaron.quantity, aaron.isin) == ("AARON", "NSE", 1, "INE721Z01010")
    assert (aaron.average_price, aaron.last_price) == (Decimal("161"), Decimal("352.95"))
    assert (sbin.exchange, sbin.quantity, sbin.average_price) == ("BSE", 16, Decimal("801.78125"))


def test_profile(broker_stub: BrokerStub) -> None:
    broker_stub.route("GET", "/user/profile", fixture_bytes("kite", "profile.json"))
    profile = kite(broker_stub).profile()
    assert (profile.user_id, profile.user_name, profile.broker) == ("AB1234", "AxAx Bxx", "ZERODHA")
    assert "NFO" in profile.exchanges and "CNC" in profile.products


def test_order_charges_post_the_orders_and_pair_the_answers(broker_stub: BrokerStub) -> None:
    # Given the published virtual contract note for three orders
    broker_stub.route("POST", "/charges/orders", fixture_bytes("kite", "virtual_contract_note.json"))
    requests = [
        ChargeRequest("o1", "NSE", "SBIN", "BUY", 1, Decimal("560"), "CNC"),
        ChargeRequest(
            "o2", "MCX", "GOLDPETAL23JULFUT", "SELL", 1, Decimal("5862"), "NRML", order_type="LIMIT"
        ),
        ChargeRequest(
            "o3", "NFO", "NIFTY2371317900PE", "BUY", 100, Decimal("1.5"), "NRML", order_type="LIMIT"
        ),
    ]
    # When their charges are asked
    charges = kite(broker_stub).order_charges(requests)
    # Then one JSON POST carried every order with its exact average price
    (request,) = broker_stub.requests
    assert request.headers["Content-Type"] == "application/json"
    sent = json.loads(request.body, parse_float=Decimal)
    assert sent[2] == {
        "order_id": "o3",
        "exchange": "NFO",
        "tradingsymbol": "NIFTY2371317900PE",
        "transaction_type": "BUY",
        "variety": "regular",
        "product": "NRML",
        "order_type": "LIMIT",
        "quantity": 100,
        "average_price": Decimal("1.5"),
    }
    # And each answer is that order's exact charges
    assert [c.order_id for c in charges] == ["o1", "o2", "o3"]
    assert [c.total for c in charges] == [
        Decimal("0.5826968"),
        Decimal("2.84811132"),
        Decimal("23.689427000000002"),
    ]
    assert charges[2].breakdown["brokerage"] == Decimal("20")
    assert charges[2].breakdown["gst"] == Decimal("3.613527")
    assert charges[0].breakdown["transaction_tax"] == Decimal("0.56")


def test_order_charges_of_filled_orders(broker_stub: BrokerStub) -> None:
    # Given an executed order as the orderbook gives it
    broker_stub.route(
        "POST", "/charges/orders", success([fixture_json("kite", "virtual_contract_note.json")["data"][0]])
    )
    order = BrokerOrder("o9", "COMPLETE", "SBIN", "NSE", "BUY", 5, 1, Decimal("560.05"), "CNC", None)
    # When its charges are asked / Then the filled quantity at the average price is sent
    (charge,) = kite(broker_stub).order_charges([order])
    sent = json.loads(broker_stub.requests[0].body, parse_float=Decimal)[0]
    assert (sent["quantity"], sent["average_price"], sent["variety"]) == (1, Decimal("560.05"), "regular")
    assert charge.order_id == "o9"
    # And an unfilled order has no charges to ask for
    with pytest.raises(ValueError, match="has not filled"):
        ChargeRequest.of(BrokerOrder("o0", "OPEN", "SBIN", "NSE", "BUY", 5, 0, None, "CNC", None))
    assert kite(broker_stub).order_charges([]) == []


def test_charges_that_do_not_pair_with_the_orders_are_malformed(broker_stub: BrokerStub) -> None:
    broker_stub.route("POST", "/charges/orders", fixture_bytes("kite", "virtual_contract_note.json"))
    request = ChargeRequest("o1", "NSE", "SBIN", "BUY", 1, Decimal("560"), "CNC")
    with pytest.raises(BrokerUnavailable, match="3 charge items for 1 orders"):
        kite(broker_stub).order_charges([request])


def test_historical_trades_are_unsupported_without_a_request(broker_stub: BrokerStub) -> None:
    with pytest.raises(BrokerUnsupported, match="Console tradebook"):
        kite(broker_stub).historical_trades(date(2024, 4, 1), date(2024, 4, 30))
    assert broker_stub.requests == []


def test_order_placement_replies_yield_the_order_id() -> None:
    # Given the published placement and cancellation replies (the journal never sends these requests)
    assert parse_order_id(fixture_json("kite", "order_response.json")) == "151220000000000"
    assert parse_order_id(fixture_json("kite", "order_cancel.json")) == "151220000000000"
    # And an error envelope is its error, a malformed body is unavailable
    with pytest.raises(BrokerError) as caught:
        parse_order_id(fixture_json("kite", "error_OrderException.json"))
    assert caught.value.error_type == "OrderException"
    with pytest.raises(BrokerUnavailable):
        parse_order_id({"status": "success", "data": {}})
    with pytest.raises(BrokerUnavailable):
        parse_order_id(None)


# -- login ---------------------------------------------------------------------------------------


def test_login_url_carries_the_state_in_redirect_params() -> None:
    # Given a client / When the login URL is made for a state
    url = KiteClient("key123").login_url("st8 value/1")
    # Then it is Kite's v3 login with the state url-encoded inside redirect_params
    assert (
        url
        == "https://kite.zerodha.com/connect/login?v=3&api_key=key123&redirect_params=state%3Dst8%2Bvalue%252F1"
    )
    redirect_params = parse_qs(urlsplit(url).query)["redirect_params"][0]
    assert parse_qs(redirect_params)["state"] == ["st8 value/1"]


@pytest.mark.parametrize(
    ("now", "expires"),
    [
        (datetime(2021, 5, 31, 10, 0, tzinfo=IST), datetime(2021, 6, 1, 6, 0, tzinfo=IST)),
        (datetime(2021, 5, 31, 5, 59, tzinfo=IST), datetime(2021, 5, 31, 6, 0, tzinfo=IST)),
        (datetime(2021, 5, 30, 19, 15, tzinfo=UTC), datetime(2021, 5, 31, 6, 0, tzinfo=IST)),  # 00:45 IST
    ],
)
def test_complete_login_exchanges_the_request_token(
    broker_stub: BrokerStub, now: datetime, expires: datetime
) -> None:
    # Given Kite's session reply and a client without a token yet
    broker_stub.route("POST", "/session/token", fixture_bytes("kite", "generate_session.json"))
    broker_stub.route("GET", "/orders", success([]))
    client = kite(broker_stub, access_token="", now=lambda: now)
    # When the redirect's parameters are completed
    grant = client.complete_login(
        {"request_token": "rq-tok", "status": "success", "action": "login", "state": "s"}
    )
    # Then the form carried api_key, request_token and sha256(api_key + request_token + api_secret)
    (request,) = broker_stub.requests
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "authorization" not in request.headers
    checksum = hashlib.sha256(b"key123rq-toksecret789").hexdigest()
    assert request.form() == {"api_key": "key123", "request_token": "rq-tok", "checksum": checksum}
    # And the grant is the user's token until the next 06:00 IST
    assert (grant.access_token, grant.broker_user_id, grant.user_name) == ("XXXXXX", "XX0000", "Kite Connect")
    assert grant.expires_at == expires
    # And the client now uses the new token
    client.orders()
    assert broker_stub.requests[1].headers["Authorization"] == "token key123:XXXXXX"


@pytest.mark.parametrize(
    "params",
    [
        {"request_token": "rq", "status": "cancelled", "action": "login"},
        {"status": "success", "action": "login"},
        {},
    ],
)
def test_a_failed_or_empty_redirect_is_an_input_error(
    broker_stub: BrokerStub, params: dict[str, str]
) -> None:
    with pytest.raises(BrokerInputError):
        kite(broker_stub).complete_login(params)
    assert broker_stub.requests == []


def test_logout_deletes_the_session(broker_stub: BrokerStub) -> None:
    broker_stub.route("DELETE", "/session/token", fixture_bytes("kite", "session_logout.json"))
    kite(broker_stub).logout()
    (request,) = broker_stub.requests
    assert request.query == {"api_key": ["key123"], "access_token": ["tok456"]}


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error_type", "status", "expected"),
    [
        ("TokenException", 403, BrokerAuthError),
        ("InputException", 400, BrokerInputError),
        ("PermissionException", 403, BrokerPermissionError),
        ("NetworkException", 503, BrokerUnavailable),
        ("DataException", 502, BrokerUnavailable),
        ("OrderException", 400, BrokerError),
        ("MarginException", 400, BrokerError),
        ("HoldingException", 400, BrokerError),
        ("UserException", 403, BrokerError),
        ("GeneralException", 400, BrokerError),
        ("GeneralException", 500, BrokerUnavailable),
    ],
)
def test_every_kite_error_type_maps_to_its_broker_error(
    broker_stub: BrokerStub, error_type: str, status: int, expected: type[BrokerError]
) -> None:
    # Given Kite answering with the error envelope
    broker_stub.route("GET", "/orders", Reply(status, fixture_bytes("kite", f"error_{error_type}.json")))
    # When orders are read (no retries)
    with pytest.raises(BrokerError) as caught:
        kite(broker_stub, retry=RetryPolicy(attempts=1)).orders()
    # Then the error is of the mapped class, exactly, and keeps Kite's error_type, message and status
    assert type(caught.value) is expected
    assert (caught.value.error_type, caught.value.status) == (error_type, status)
    assert caught.value.message == fixture_json("kite", f"error_{error_type}.json")["message"]
    assert caught.value.retryable is (expected is BrokerUnavailable)


def test_an_error_envelope_in_a_200_reply_is_still_an_error(broker_stub: BrokerStub) -> None:
    broker_stub.route("GET", "/orders", fixture_bytes("kite", "error_TokenException.json"))
    with pytest.raises(BrokerAuthError):
        kite(broker_stub).orders()


def test_a_bare_403_is_an_auth_error(broker_stub: BrokerStub) -> None:
    broker_stub.route("GET", "/orders", Reply(403, b"Forbidden"))
    with pytest.raises(BrokerAuthError):
        kite(broker_stub).orders()


@pytest.mark.parametrize(
    ("path", "body", "method"),
    [
        ("/orders", b"<html>502 Bad Gateway</html>", "orders"),
        ("/orders", b'{"status": "success"}', "orders"),
        ("/orders", b'{"status": "success", "data": {"not": "a list"}}', "orders"),
        ("/trades", b'{"status": "success", "data": [{"trade_id": "1"}]}', "trades"),
        ("/trades", b'{"status": "success", "data": [null]}', "trades"),
        ("/portfolio/positions", b'{"status": "success", "data": []}', "positions"),
        (
            "/portfolio/holdings",
            b'{"status": "success", "data": [{"tradingsymbol": "X", "quantity": "lots"}]}',
            "holdings",
        ),
    ],
)
def test_malformed_success_bodies_are_unavailable_never_a_crash(
    broker_stub: BrokerStub, path: str, body: bytes, method: str
) -> None:
    # Given a 200 reply that is not what Kite documents
    broker_stub.route("GET", path, Reply(200, body))
    # When read / Then a clear BrokerUnavailable, not a KeyError or TypeError
    with pytest.raises(BrokerUnavailable, match="malformed"):
        getattr(kite(broker_stub, retry=RetryPolicy(attempts=1)), method)()


# -- retries, the gate and the deadline ------------------------------------------------------------


def test_429_waits_the_retry_after_then_succeeds(broker_stub: BrokerStub) -> None:
    # Given a 429 asking for 3 seconds, then success
    broker_stub.route(
        "GET",
        "/orders",
        Reply(429, fixture_bytes("kite", "error_NetworkException.json"), {"Retry-After": "3"}),
        success([]),
    )
    clock = FakeClock()
    gate = GateLog()
    # When orders are read
    assert kite(broker_stub, clock, gate=gate).orders() == []
    # Then the client waited at least the 3 seconds, and each request passed the general gate
    assert clock.sleeps == [3.0]
    assert gate.classes == ["general", "general"]


def test_a_429_that_outlasts_the_retries_is_rate_limited(broker_stub: BrokerStub) -> None:
    body = fixture_bytes("kite", "error_NetworkException.json")
    broker_stub.route("GET", "/orders", Reply(429, body, {"Retry-After": "1.5"}))
    clock = FakeClock()
    with pytest.raises(BrokerRateLimited) as caught:
        kite(broker_stub, clock).orders()
    assert (caught.value.retry_after_s, caught.value.status) == (1.5, 429)
    assert clock.sleeps == [1.5, 1.5, 1.5]


def test_a_5xx_is_retried_with_backoff(broker_stub: BrokerStub) -> None:
    broker_stub.route(
        "GET",
        "/trades",
        Reply(503, fixture_bytes("kite", "error_NetworkException.json")),
        fixture_bytes("kite", "trades.json"),
    )
    clock = FakeClock()
    fills = kite(broker_stub, clock).trades()
    assert len(fills) == 4 and len(broker_stub.requests) == 2
    assert clock.sleeps == [0.125]  # full jitter (0.5) of the 0.25 s base


def test_a_timeout_is_retried(broker_stub: BrokerStub) -> None:
    # Given a reply held back longer than the client's timeout, then a prompt one
    broker_stub.route("GET", "/orders", Reply(200, success([]), delay_s=2.0), success([]))
    # When orders are read with a 0.2 s timeout
    started = time.monotonic()
    assert kite(broker_stub, timeout_s=0.2).orders() == []
    # Then the slow request was abandoned and the retry answered
    assert len(broker_stub.requests) == 2
    assert time.monotonic() - started < 1.5


def test_exhausted_retries_raise_the_last_error(broker_stub: BrokerStub) -> None:
    broker_stub.route("GET", "/orders", Reply(502, fixture_bytes("kite", "error_DataException.json")))
    clock = FakeClock()
    with pytest.raises(BrokerUnavailable) as caught:
        kite(broker_stub, clock).orders()
    assert caught.value.error_type == "DataException"
    assert len(broker_stub.requests) == 4
    assert clock.sleeps == [0.125, 0.25, 0.5]


def test_no_retry_wait_passes_the_deadline(broker_stub: BrokerStub) -> None:
    # Given a broker that keeps failing and 0.3 s left before the deadline
    broker_stub.route("GET", "/orders", Reply(503, fixture_bytes("kite", "error_NetworkException.json")))
    clock = FakeClock()
    client = kite(broker_stub, clock, deadline=clock() + 0.3, rand=lambda: 1.0)
    # When orders are read
    with pytest.raises(BrokerUnavailable):
        client.orders()
    # Then the 0.25 s wait fitted, the 0.5 s one did not: the last error was raised instead
    assert clock.sleeps == [0.25]
    assert len(broker_stub.requests) == 2


def test_a_request_never_outlives_the_deadline(broker_stub: BrokerStub) -> None:
    # Given a broker slower than the time left (0.2 s, the timeout being 5 s)
    broker_stub.route("GET", "/orders", Reply(200, success([]), delay_s=3.0))
    client = kite(broker_stub, timeout_s=5.0, clock=time.monotonic, deadline=time.monotonic() + 0.2)
    started = time.monotonic()
    # When orders are read / Then the request is cut at the deadline and not retried
    with pytest.raises(BrokerUnavailable) as caught:
        client.orders()
    assert caught.value.error_type == "Timeout"
    assert time.monotonic() - started < 1.5
    assert len(broker_stub.requests) == 1


def test_nothing_is_sent_past_the_deadline(broker_stub: BrokerStub) -> None:
    clock = FakeClock()
    with pytest.raises(BrokerUnavailable, match="no time left"):
        kite(broker_stub, clock, deadline=clock() - 1).orders()
    assert broker_stub.requests == []


def test_an_unreachable_broker_is_unavailable() -> None:
    # Given nothing listening (a stub that was stopped)
    with BrokerStub() as stub:
        url = stub.url
    clock = FakeClock()
    client = KiteClient("k", "t", base_url=url, sleep=clock.sleep, clock=clock, rand=lambda: 0.5)
    # When read / Then every attempt failed to connect and the error says so
    with pytest.raises(BrokerUnavailable) as caught:
        client.orders()
    assert caught.value.error_type == "NetworkError"
    assert len(clock.sleeps) == 3


def test_the_gate_is_asked_with_each_requests_class(broker_stub: BrokerStub) -> None:
    broker_stub.route("GET", "/orders", success([]))
    broker_stub.route("GET", "/portfolio/holdings", success([]))
    broker_stub.route("POST", "/session/token", fixture_bytes("kite", "generate_session.json"))
    gate = GateLog()
    client = kite(broker_stub, gate=gate)
    client.orders()
    client.holdings()
    client.complete_login({"request_token": "r", "status": "success"})
    assert gate.classes == ["general", "general", "general"]


def test_retry_logs_name_the_call_but_never_the_token(
    broker_stub: BrokerStub, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a logout (its query carries the token) failing once
    broker_stub.route(
        "DELETE",
        "/session/token",
        Reply(503, fixture_bytes("kite", "error_NetworkException.json")),
        success(True),
    )
    # When it is retried
    kite(broker_stub, access_token="tok456").logout()
    # Then the retry was logged with the call's method and path, and no record holds the token
    (record,) = [r for r in caplog.records if r.getMessage() == "broker call failed; retrying"]
    assert record.__dict__["call"] == "DELETE /session/token"
    assert record.__dict__["status"] == 503
    assert all("tok456" not in repr(r.__dict__) for r in caplog.records)


@pytest.mark.parametrize(
    "value",
    [
        "2021-05-31 09:15:42",
        "2024-02-29 23:59:59",
        "2021-02-29 10:00:00",  # no such day
        "2021-13-01 10:00:00",  # no such month
        "2021-05-31 24:00:00",
        "2021-05-31 10:00:60",  # strptime's %S reads 60 and 61; the datetime refuses them
        "2021-5-31 9:15:42",  # single digits: strptime reads them
        "2021-05-31T09:15:42",  # ISO 8601's T is not Kite's format
        "2021-05-31 09:15:42.5",
        "2021-05-31 09:15:42+05:30",
        "２０２１-05-31 09:15:42",  # full-width digits
        "09:15:42",  # a bare time: today's
        "",
        "not a time",
    ],
)
def test_kite_times_read_as_strptime_reads_them(value: str) -> None:
    # Given a Kite time text, canonical or not
    from tradetrack.brokers.kite_records import ist_time

    today = date(2021, 5, 31)
    expected: datetime | None = None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%H:%M:%S"):
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        whole = datetime.combine(today, parsed.time()) if fmt == "%H:%M:%S" else parsed
        expected = whole.replace(tzinfo=IST)
        break

    # When it is read
    read = ist_time(value, today)

    # Then it is the IST time strptime reads (the fast path for the canonical form changes nothing)
    assert read == expected
    assert read is None or read.tzinfo is IST
