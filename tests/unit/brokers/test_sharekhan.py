"""SharekhanClient against a stub: the login's request-token exchange exactly as shareconnect 1.0.0.11
does it, the SDK's routes and headers, the rows read (ShareKhan documents no response bodies: the
fixtures are built from the SDK's request-side field names, tests/fixtures/brokers/sharekhan/
SOURCES.md) and every error shape the SDK and the gateway use. Retries: test_broker_retries.py."""

from __future__ import annotations

import base64
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.support.broker_stub import BrokerStub, Reply
from tests.unit.brokers.wire import fixture_bytes, stubbed
from tradetrack.brokers.base import (
    Broker,
    BrokerAuthError,
    BrokerError,
    BrokerInputError,
    BrokerLogin,
    BrokerRateLimited,
    BrokerUnavailable,
    BrokerUnsupported,
)
from tradetrack.brokers.retry import RetryPolicy
from tradetrack.brokers.sharekhan import TOKEN_PATH, SharekhanClient, exchange_token
from tradetrack.timeutil import IST

NOW = datetime(2025, 2, 5, 15, 45, tzinfo=IST)
SECRET = "0123456789abcdef0123456789abcdef"  # a 32-byte secret key (AES-256)
REPORTS = "/skapi/services/reports/1234567"
POSITIONS = "/skapi/services/trades/1234567"
HOLDINGS = "/skapi/services/holdings/1234567"


def sealed(plain: str, *, urlsafe: bool = False) -> str:
    """What ShareKhan's login sends (or what we send back): AES-GCM, zero nonce, ciphertext + tag."""
    raw = AESGCM(SECRET.encode()).encrypt(bytes(16), plain.encode(), None)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=") if urlsafe else base64.b64encode(raw).decode()


def opened(token: str) -> str:
    raw = base64.urlsafe_b64decode(token.replace("+", "-").replace("/", "_") + "=" * (-len(token) % 4))
    return AESGCM(SECRET.encode()).decrypt(bytes(16), raw, None).decode()


def sharekhan(stub: BrokerStub, **kwargs: Any) -> SharekhanClient:
    token = kwargs.pop("access_token", "1234567:sk-token")
    return SharekhanClient("sk-api-key", token, **stubbed(stub.url, NOW, **{"api_secret": SECRET, **kwargs}))


def test_the_client_is_a_broker_and_a_login() -> None:
    client = SharekhanClient("k")
    broker: Broker = client
    login: BrokerLogin = client
    assert str(broker.name) == str(login.name) == "sharekhan"


def test_requests_carry_the_sdks_headers(broker_stub: BrokerStub) -> None:
    broker_stub.route("GET", HOLDINGS, fixture_bytes("sharekhan", "empty.json"))
    assert sharekhan(broker_stub, vendor_key="vendor-1").holdings() == []
    (request,) = broker_stub.requests
    assert request.headers["api-key"] == "sk-api-key"
    assert request.headers["access-token"] == request.headers["Authorization"] == "sk-token"
    assert request.headers["vendor-key"] == "vendor-1"


# -- login --------------------------------------------------------------------------------------------


def test_the_login_url_names_the_app_state_vendor_and_version() -> None:
    client = SharekhanClient(
        "k", login_url="https://sk.example/login.html", vendor_key="v", version_id="1005"
    )
    assert (
        client.login_url("98765")
        == "https://sk.example/login.html?api_key=k&state=98765&vendor_key=v&version_id=1005"
    )


@pytest.mark.parametrize(("version", "urlsafe"), [("", False), ("1005", True)])
def test_the_request_token_is_decrypted_swapped_and_sealed_again(version: str, urlsafe: bool) -> None:
    # Given ShareKhan's request token sealing "<request id>|<customer id>"
    token = sealed("REQ-778899|1234567", urlsafe=True)
    # When it is exchanged as the SDK's generate_session(_without_versionId) does
    out = exchange_token(token, SECRET, version_id=version)
    # Then the result seals "<customer id>|<request id>", base64url unpadded with a version id
    assert opened(out) == "1234567|REQ-778899"
    assert ("=" not in out and "+" not in out and "/" not in out) if urlsafe else len(out) % 4 == 0


def test_a_token_whose_plus_became_a_space_still_decrypts() -> None:
    # Given a standard-base64 token with a "+", which a query string parser turns into a space
    request_id = next(f"REQ-{n}" for n in range(1000) if "+" in sealed(f"REQ-{n}|1234567"))
    token = sealed(f"{request_id}|1234567")
    # Then it still decrypts
    assert opened(exchange_token(token.replace("+", " "), SECRET)) == f"1234567|{request_id}"


def test_a_foreign_request_token_is_bad_input(broker_stub: BrokerStub) -> None:
    with pytest.raises(BrokerInputError):
        sharekhan(broker_stub).complete_login({"request_token": sealed("x|y")[:-4] + "AAAA"})
    assert broker_stub.requests == []


def test_the_login_posts_the_sealed_token_and_keeps_the_customer_id(broker_stub: BrokerStub) -> None:
    # Given the access-token reply
    broker_stub.route("POST", TOKEN_PATH, fixture_bytes("sharekhan", "access_token.json"))
    client = sharekhan(broker_stub, access_token="")
    # When the redirect's request token completes the login
    grant = client.complete_login({"request_token": sealed("REQ-5|1234567"), "state": "12345"})
    # Then the body is the SDK's, the state a number, without an access token header
    (request,) = broker_stub.requests
    body = request.json()
    assert (body["apiKey"], body["state"]) == ("sk-api-key", 12345)
    assert opened(body["requestToken"]) == "1234567|REQ-5"
    assert "access-token" not in request.headers
    # And the session names the customer (every path needs it), until midnight IST
    assert grant.access_token == client.access_token == "1234567:c2hhcmVraGFuLWFjY2Vzcy10b2tlbg"
    assert (grant.broker_user_id, grant.user_name) == ("1234567", "DEMO TRADER")
    assert grant.expires_at == datetime(2025, 2, 6, tzinfo=IST)


def test_a_login_without_a_request_token_is_bad_input(broker_stub: BrokerStub) -> None:
    with pytest.raises(BrokerInputError):
        sharekhan(broker_stub).complete_login({"state": "1"})


def test_a_session_without_the_customer_id_must_log_in_again(broker_stub: BrokerStub) -> None:
    with pytest.raises(BrokerAuthError):
        sharekhan(broker_stub, access_token="bare-token").orders()
    assert broker_stub.requests == []


# -- the books -----------------------------------------------------------------------------------------


def test_the_days_report_is_the_order_book(broker_stub: BrokerStub) -> None:
    broker_stub.route("GET", REPORTS, fixture_bytes("sharekhan", "reports.json"))
    done, partly, cancelled, rejected = sharekhan(broker_stub).orders()
    assert (done.order_id, done.status, done.symbol, done.exchange, done.side) == (
        "254693575",
        "COMPLETE",
        "ONGC",
        "NSE",
        "BUY",
    )
    assert (done.quantity, done.filled_quantity, done.average_price, done.price) == (
        10,
        10,
        Decimal("249.35"),
        Decimal("249.50"),
    )
    assert done.placed_at == datetime(2025, 2, 5, 9, 41, 7, tzinfo=IST)
    assert (done.exchange_order_id, done.product, done.validity) == ("1100000012345678", "INVESTMENT", "GFD")
    assert (partly.status, partly.side, partly.filled_quantity) == ("PARTLY EXECUTED", "SELL", 4)
    assert (cancelled.status, cancelled.symbol, cancelled.average_price) == ("CANCELLED", "ITC", None)
    # "BM" (buy at market) is a buy; NF is NSE F&O
    assert (rejected.status, rejected.side, rejected.exchange) == ("REJECTED", "BUY", "NFO")
    assert rejected.status_message == "RMS: Margin Exceeds"


def test_fills_are_each_traded_orders_trades(broker_stub: BrokerStub) -> None:
    # Given the day's report and the trades of its two orders that traded
    broker_stub.route("GET", REPORTS, fixture_bytes("sharekhan", "reports.json"))
    base = "/skapi/services/orders/NC/1234567"
    broker_stub.route(
        "GET", f"{base}/254693575/trades", fixture_bytes("sharekhan", "order_trades_254693575.json")
    )
    broker_stub.route(
        "GET", f"{base}/254693576/trades", fixture_bytes("sharekhan", "order_trades_254693576.json")
    )
    first, second, sell = sharekhan(broker_stub).trades()
    # Then only they were asked (not the cancelled or rejected ones), and each trade is a fill
    assert [r.path for r in broker_stub.requests[1:]] == [
        f"{base}/254693575/trades",
        f"{base}/254693576/trades",
    ]
    assert (first.trade_id, first.order_id, first.quantity, first.price) == (
        "50001234",
        "254693575",
        6,
        Decimal("249.30"),
    )
    assert second.price == Decimal("249.425") and second.executed_at == datetime(
        2025, 2, 5, 9, 41, 9, tzinfo=IST
    )
    assert (sell.side, sell.quantity, sell.symbol, sell.exchange) == ("SELL", 4, "ONGC", "NSE")


def test_positions_are_the_trades_report(broker_stub: BrokerStub) -> None:
    broker_stub.route("GET", POSITIONS, fixture_bytes("sharekhan", "positions.json"))
    ongc, nifty = sharekhan(broker_stub).positions()
    assert (ongc.symbol, ongc.exchange, ongc.quantity, ongc.average_price, ongc.last_price) == (
        "ONGC",
        "NSE",
        6,
        Decimal("249.35"),
        Decimal("251.10"),
    )
    assert (nifty.exchange, nifty.quantity, nifty.product) == ("NFO", -75, "BIGTRADE")


def test_holdings(broker_stub: BrokerStub) -> None:
    broker_stub.route("GET", HOLDINGS, fixture_bytes("sharekhan", "holdings.json"))
    tcs, hdfc = sharekhan(broker_stub).holdings()
    assert (tcs.symbol, tcs.exchange, tcs.quantity, tcs.average_price, tcs.isin) == (
        "TCS",
        "NSE",
        3,
        Decimal("3310.40"),
        "INE467B01029",
    )
    assert (hdfc.exchange, hdfc.quantity, hdfc.last_price) == ("BSE", 12, Decimal("1611.30"))


def test_history_is_unsupported(broker_stub: BrokerStub) -> None:
    with pytest.raises(BrokerUnsupported):
        sharekhan(broker_stub).historical_trades(date(2024, 4, 1), date(2025, 2, 1))


# -- every error shape ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "fixture", "kind", "error_type"),
    [
        (403, "error_token.json", BrokerAuthError, "TokenException"),
        (200, "error_token.json", BrokerAuthError, "TokenException"),
        (400, "error_input.json", BrokerInputError, "input_error"),
        (400, "error_input_sdk.json", BrokerInputError, "InputException"),
        (400, "error_order.json", BrokerError, "OrderException"),
        (502, "error_data.json", BrokerUnavailable, "DataException"),
        (503, "error_network.json", BrokerUnavailable, "NetworkException"),
        (500, "error_general.json", BrokerUnavailable, "GeneralException"),
        (429, "error_rate_limited.json", BrokerRateLimited, "rate_limit"),
        (401, None, BrokerAuthError, "HTTP401"),
        (504, None, BrokerUnavailable, "HTTP504"),
    ],
)
def test_errors_map_to_broker_errors(
    broker_stub: BrokerStub, status: int, fixture: str | None, kind: type[BrokerError], error_type: str
) -> None:
    body = fixture_bytes("sharekhan", fixture) if fixture else b""
    broker_stub.route("GET", HOLDINGS, Reply(status, body))
    with pytest.raises(kind) as raised:
        sharekhan(broker_stub, retry=RetryPolicy(attempts=1)).holdings()
    assert type(raised.value) is kind and raised.value.error_type == error_type


def test_a_failure_status_inside_a_200_is_an_error(broker_stub: BrokerStub) -> None:
    broker_stub.route(
        "GET", HOLDINGS, Reply(200, {"status": 401, "message": "Session expired", "data": None})
    )
    with pytest.raises(BrokerAuthError):
        sharekhan(broker_stub).holdings()


@pytest.mark.parametrize("body", [b"not json", b'{"status": 200}', b'{"data": [{"exchange": "NC"}]}'])
def test_malformed_success_bodies_are_unavailable(broker_stub: BrokerStub, body: bytes) -> None:
    broker_stub.route("GET", HOLDINGS, Reply(200, body))
    with pytest.raises(BrokerUnavailable) as raised:
        sharekhan(broker_stub, retry=RetryPolicy(attempts=1)).holdings()
    assert raised.value.error_type == "DataException"
