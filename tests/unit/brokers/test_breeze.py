"""BreezeClient against a stub serving the Breeze API's documented responses (the samples of
breeze-connect 1.0.69's README; tests/fixtures/brokers/breeze/SOURCES.md): every shape parsed,
every documented error mapped, every call signed as the SDK signs it. Retries: test_broker_retries.py."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.support.broker_stub import BrokerStub, Reply
from tests.unit.brokers.wire import fixture_bytes, stubbed
from tradetrack.brokers.base import (
    Broker,
    BrokerAuthError,
    BrokerError,
    BrokerInputError,
    BrokerLogin,
    BrokerPermissionError,
    BrokerRateLimited,
    BrokerUnavailable,
)
from tradetrack.brokers.breeze import (
    CUSTOMER_PATH,
    DEMAT_PATH,
    HOLDINGS_PATH,
    ORDERS_PATH,
    POSITIONS_PATH,
    TRADES_PATH,
    BreezeClient,
    session_expiry,
)
from tradetrack.brokers.retry import RetryPolicy
from tradetrack.timeutil import IST

NOW = datetime(2025, 2, 5, 15, 45, 30, tzinfo=IST)
SESSION = base64.b64encode(b"XY604721:52345678").decode()


def breeze(stub: BrokerStub, **kwargs: Any) -> BreezeClient:
    token = kwargs.pop("access_token", SESSION)
    options = {"api_secret": "app-secret", "exchanges": ("NSE",), **kwargs}
    return BreezeClient("app-key", token, **stubbed(stub.url, NOW, **options))


def test_the_client_is_a_broker_and_a_login() -> None:
    client = BreezeClient("k")
    broker: Broker = client
    login: BrokerLogin = client
    assert str(broker.name) == str(login.name) == "breeze"


def test_every_call_is_a_get_with_a_json_body_signed_as_the_sdk_signs_it(broker_stub: BrokerStub) -> None:
    # Given an empty position book
    broker_stub.route("GET", POSITIONS_PATH, fixture_bytes("breeze", "error_no_data.json"))
    # When read
    assert breeze(broker_stub).positions() == []
    # Then the body is "{}" and the checksum is sha256(timestamp + body + secret), "token "-prefixed
    (request,) = broker_stub.requests
    assert request.body == b"{}" and request.headers["Content-Type"] == "application/json"
    stamp = "2025-02-05T10:15:30.000Z"  # 15:45:30 IST in UTC
    assert request.headers["X-Timestamp"] == stamp
    expected = hashlib.sha256((stamp + "{}" + "app-secret").encode()).hexdigest()
    assert request.headers["X-Checksum"] == f"token {expected}"
    assert (request.headers["X-AppKey"], request.headers["X-SessionToken"]) == ("app-key", SESSION)


# -- the documented books -----------------------------------------------------------------------


def test_todays_fills_come_from_each_traded_orders_trade_detail(broker_stub: BrokerStub) -> None:
    # Given the documented trade list (two rows of one order) and its trade detail
    broker_stub.route(
        "GET",
        TRADES_PATH,
        fixture_bytes("breeze", "trade_list.json"),
        fixture_bytes("breeze", "trade_detail.json"),
    )
    # When today's fills are read
    (fill,) = breeze(broker_stub).trades()
    # Then the order is detailed once, and its fill carries ICICI's trade id, time and price
    list_call, detail_call = broker_stub.requests
    assert list_call.json() == {
        "exchange_code": "NSE",
        "from_date": "2025-02-05T06:00:00.000Z",
        "to_date": "2025-02-05T06:00:00.000Z",
    }
    assert detail_call.json() == {"exchange_code": "NSE", "order_id": "20250205N300012345"}
    assert (fill.trade_id, fill.order_id, fill.symbol, fill.exchange) == (
        "2025/1234/12345678",
        "20250205N300012345",
        "ITC",
        "NSE",
    )
    assert (fill.side, fill.quantity, fill.price, fill.product) == ("BUY", 1, Decimal("452.2"), "Margin")
    assert fill.executed_at == datetime(2025, 2, 5, 10, 41, 24, tzinfo=IST)


def test_option_fills_name_their_contract(broker_stub: BrokerStub) -> None:
    # Given an NFO option sold in two fills
    broker_stub.route(
        "GET",
        TRADES_PATH,
        fixture_bytes("breeze", "trade_list_nfo.json"),
        fixture_bytes("breeze", "trade_detail_nfo.json"),
    )
    first, second = breeze(broker_stub, exchanges=("NFO",)).trades()
    # Then the symbol is the contract, as the CSV imports name it
    assert first.symbol == second.symbol == "NIFTY 27FEB2025 25000 CE"
    assert [(f.side, f.quantity, f.price) for f in (first, second)] == [
        ("SELL", 50, Decimal("31.45")),
        ("SELL", 25, Decimal("31.30")),
    ]
    assert first.trade_id != second.trade_id


def test_history_asks_the_date_range(broker_stub: BrokerStub) -> None:
    broker_stub.route("GET", TRADES_PATH, fixture_bytes("breeze", "error_no_data.json"))
    assert breeze(broker_stub).historical_trades(date(2024, 4, 1), date(2025, 2, 4)) == []
    (request,) = broker_stub.requests
    assert request.json()["from_date"] == "2024-04-01T06:00:00.000Z"
    assert request.json()["to_date"] == "2025-02-04T06:00:00.000Z"


def test_order_list(broker_stub: BrokerStub) -> None:
    # Given the documented order list: an open order, an executed one, a rejected NFO option
    broker_stub.route("GET", ORDERS_PATH, fixture_bytes("breeze", "order_list.json"))
    ordered, executed, rejected = breeze(broker_stub).orders()
    assert (ordered.order_id, ordered.status, ordered.symbol, ordered.side) == (
        "20250205N300001234",
        "ORDERED",
        "ITC",
        "BUY",
    )
    assert (ordered.quantity, ordered.filled_quantity, ordered.pending_quantity, ordered.average_price) == (
        1,
        0,
        1,
        None,
    )
    assert ordered.placed_at == datetime(2025, 2, 5, 9, 26, tzinfo=IST)
    assert (ordered.price, ordered.order_type, ordered.validity) == (Decimal("420.00"), "LIMIT", "DAY")
    assert (executed.status, executed.filled_quantity, executed.average_price) == (
        "COMPLETE",
        1,
        Decimal("452.20"),
    )
    assert executed.exchange_at == datetime(2025, 2, 5, 10, 41, 24, tzinfo=IST)
    assert (rejected.status, rejected.symbol, rejected.exchange, rejected.filled_quantity) == (
        "REJECTED",
        "NIFTY 27FEB2025 24800 CE",
        "NFO",
        0,
    )


def test_positions_are_signed_by_their_action(broker_stub: BrokerStub) -> None:
    broker_stub.route("GET", POSITIONS_PATH, fixture_bytes("breeze", "portfolio_positions.json"))
    closed, short, future = breeze(broker_stub).positions()
    assert (closed.symbol, closed.quantity) == ("NIFTY 27FEB2025 24800 CE", 0)
    assert (short.symbol, short.quantity, short.average_price, short.last_price) == (
        "NIFTY 27FEB2025 25000 CE",
        -75,
        Decimal("31.40"),
        Decimal("27.10"),
    )
    assert (future.symbol, future.quantity, future.product) == ("NIFTY 27FEB2025 FUT", 25, "Futures")


def test_holdings_take_the_isin_from_the_demat_holdings(broker_stub: BrokerStub) -> None:
    # Given NSE portfolio holdings (with an average price) and the demat holdings (with ISINs)
    broker_stub.route("GET", HOLDINGS_PATH, fixture_bytes("breeze", "portfolio_holdings.json"))
    broker_stub.route("GET", DEMAT_PATH, fixture_bytes("breeze", "demat_holdings.json"))
    (itc,) = breeze(broker_stub).holdings()
    # Then the held stock carries both; a closed position (quantity 0) is no holding
    assert (itc.symbol, itc.exchange, itc.quantity, itc.average_price, itc.last_price, itc.isin) == (
        "ITC",
        "NSE",
        10,
        Decimal("412.35"),
        Decimal("452.20"),
        "INE154A01025",
    )
    (holdings_call,) = broker_stub.requests_to("GET", HOLDINGS_PATH)
    assert holdings_call.json() == {"exchange_code": "NSE"}


# -- login ------------------------------------------------------------------------------------------


def test_the_login_url_quotes_the_api_key() -> None:
    client = BreezeClient("K%834G9+2M=", login_url="https://icici.example/apiuser/login")
    assert client.login_url("ignored") == "https://icici.example/apiuser/login?api_key=K%25834G9%2B2M%3D"


def test_the_api_session_key_becomes_the_accounts_session(broker_stub: BrokerStub) -> None:
    # Given the documented customer details
    broker_stub.route("GET", CUSTOMER_PATH, fixture_bytes("breeze", "customer_details.json"))
    client = breeze(broker_stub, access_token="")
    # When the login's API session key completes it
    grant = client.complete_login({"apisession": "52345678"})
    # Then customerdetails was asked unsigned, with the session key and the app key in the body
    (request,) = broker_stub.requests
    assert request.json() == {"SessionToken": "52345678", "AppKey": "app-key"}
    assert "X-Checksum" not in request.headers
    # And the session is the base64 session_token, the user ICICI's user id, until midnight IST
    assert (grant.access_token, grant.broker_user_id, grant.user_name) == (SESSION, "XY604721", "JOHN SMITH")
    assert grant.expires_at == datetime(2025, 2, 6, 0, 0, tzinfo=IST)
    assert client.access_token == SESSION


def test_a_session_lapses_at_the_next_midnight_ist() -> None:
    # Given sessions made just after midnight and late in the evening (UTC given, IST counted)
    assert session_expiry(datetime(2025, 2, 5, 0, 1, tzinfo=IST)) == datetime(2025, 2, 6, tzinfo=IST)
    assert session_expiry(datetime(2025, 2, 5, 18, 0, tzinfo=UTC)) == datetime(2025, 2, 6, tzinfo=IST)
    assert session_expiry(datetime(2025, 2, 5, 18, 31, tzinfo=UTC)) == datetime(2025, 2, 7, tzinfo=IST)


def test_a_login_without_a_session_key_is_bad_input(broker_stub: BrokerStub) -> None:
    with pytest.raises(BrokerInputError):
        breeze(broker_stub).complete_login({"state": "x"})


@pytest.mark.parametrize(
    ("fixture", "kind"),
    [
        ("error_invalid_session.json", BrokerAuthError),
        ("error_public_key.json", BrokerPermissionError),
        ("error_session_expired.json", BrokerAuthError),
    ],
)
def test_the_sdks_customer_details_errors(
    broker_stub: BrokerStub, fixture: str, kind: type[BrokerError]
) -> None:
    broker_stub.route("GET", CUSTOMER_PATH, fixture_bytes("breeze", fixture))
    with pytest.raises(kind):
        breeze(broker_stub, retry=RetryPolicy(attempts=1)).complete_login({"apisession": "1"})


# -- every documented error ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "fixture", "kind"),
    [
        (200, "error_invalid_session.json", BrokerAuthError),
        (200, "error_session_expired.json", BrokerAuthError),
        (200, "error_public_key.json", BrokerPermissionError),
        (200, "error_validation.json", BrokerInputError),
        (200, "error_server.json", BrokerUnavailable),
        (200, "error_rate_limited.json", BrokerRateLimited),
        (429, None, BrokerRateLimited),
        (401, None, BrokerAuthError),
        (502, None, BrokerUnavailable),
        (404, None, BrokerError),
    ],
)
def test_documented_errors_map_to_broker_errors(
    broker_stub: BrokerStub, status: int, fixture: str | None, kind: type[BrokerError]
) -> None:
    body = fixture_bytes("breeze", fixture) if fixture else b""
    broker_stub.route("GET", POSITIONS_PATH, Reply(status, body))
    with pytest.raises(kind) as raised:
        breeze(broker_stub, retry=RetryPolicy(attempts=1)).positions()
    assert type(raised.value) is kind


def test_no_data_found_is_an_empty_book(broker_stub: BrokerStub) -> None:
    broker_stub.route("GET", ORDERS_PATH, fixture_bytes("breeze", "error_no_data.json"))
    assert breeze(broker_stub).orders() == []


@pytest.mark.parametrize(
    "body",
    [b"not json", b'{"Status": 200}', b'{"Success": [{"stock_code": "ITC"}], "Status": 200, "Error": null}'],
)
def test_malformed_success_bodies_are_unavailable(broker_stub: BrokerStub, body: bytes) -> None:
    broker_stub.route("GET", POSITIONS_PATH, Reply(200, body))
    with pytest.raises(BrokerUnavailable) as raised:
        breeze(broker_stub, retry=RetryPolicy(attempts=1)).positions()
    assert raised.value.error_type == "DataException"


def test_a_session_call_without_the_secret_is_refused_before_sending(broker_stub: BrokerStub) -> None:
    with pytest.raises(ValueError, match="api_secret"):
        breeze(broker_stub, api_secret="").positions()
    assert broker_stub.requests == []
