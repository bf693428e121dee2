"""AngelOneClient against a stub serving SmartAPI's documented responses (tests/fixtures/brokers/
angelone/SOURCES.md says where each comes from): every shape parsed, every documented error mapped.
Retries and backoff under 429/5xx for every new broker: test_broker_retries.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.support.broker_stub import BrokerStub, Reply
from tests.unit.brokers.wire import fixture_bytes, stubbed
from tradetrack.brokers.angelone import (
    HOLDINGS_PATH,
    LOGIN_PATH,
    LOGOUT_PATH,
    ORDER_BOOK_PATH,
    POSITIONS_PATH,
    PROFILE_PATH,
    TRADE_BOOK_PATH,
    AngelOneClient,
)
from tradetrack.brokers.base import (
    Broker,
    BrokerAuthError,
    BrokerError,
    BrokerInputError,
    BrokerLogin,
    BrokerPermissionError,
    BrokerRateLimited,
    BrokerUnavailable,
    BrokerUnsupported,
)
from tradetrack.brokers.retry import RetryPolicy
from tradetrack.timeutil import IST

NOW = datetime(2024, 7, 15, 15, 45, tzinfo=IST)
JWT_EXPIRES = datetime.fromtimestamp(1721111400, UTC)  # the `exp` claim of login.json's jwtToken


def angel(stub: BrokerStub, **kwargs: Any) -> AngelOneClient:
    token = kwargs.pop("access_token", "jwt-token")
    return AngelOneClient("smartapi-key", token, **stubbed(stub.url, NOW, public_ip="203.0.113.7", **kwargs))


def test_the_client_is_a_broker_and_a_login() -> None:
    # Given a client; Then it is both protocols, named angelone
    client = AngelOneClient("k")
    broker: Broker = client
    login: BrokerLogin = client
    assert str(broker.name) == str(login.name) == "angelone"


def test_requests_carry_the_sdk_headers_and_the_bearer_token(broker_stub: BrokerStub) -> None:
    # Given an empty order book
    broker_stub.route("GET", ORDER_BOOK_PATH, fixture_bytes("angelone", "trade_book_empty.json"))
    # When read
    angel(broker_stub).orders()
    # Then the request carries the SDK's headers
    (request,) = broker_stub.requests
    assert request.headers["Authorization"] == "Bearer jwt-token"
    assert request.headers["X-PrivateKey"] == "smartapi-key"
    assert (request.headers["X-UserType"], request.headers["X-SourceID"]) == ("USER", "WEB")
    assert request.headers["X-ClientPublicIP"] == "203.0.113.7"
    assert {"x-clientlocalip", "x-macaddress", "accept"} <= set(request.headers)


# -- the documented books -----------------------------------------------------------------------


def test_trade_book_fills_are_todays_with_the_fill_time(broker_stub: BrokerStub) -> None:
    # Given the documented trade book (times of day only) and an F&O sell
    broker_stub.route("GET", TRADE_BOOK_PATH, fixture_bytes("angelone", "trade_book.json"))
    # When read
    itc, nifty = angel(broker_stub).trades()
    # Then each fill is today's at its fill time, IST; the series suffix goes
    assert (itc.trade_id, itc.order_id, itc.symbol, itc.exchange, itc.side) == (
        "50005750",
        "201020000000095",
        "ITC",
        "NSE",
        "BUY",
    )
    assert (itc.quantity, itc.price, itc.product) == (1, Decimal("175.00"), "DELIVERY")
    assert itc.executed_at == datetime(2024, 7, 15, 13, 27, 53, tzinfo=IST)
    assert (nifty.symbol, nifty.exchange, nifty.side, nifty.quantity, nifty.price) == (
        "NIFTY25JUL2424500CE",
        "NFO",
        "SELL",
        25,
        Decimal("144.85"),
    )


@pytest.mark.parametrize("fixture", ["trade_book_empty.json", "error_trade_not_found.json"])
def test_an_empty_trade_book_is_no_fills(broker_stub: BrokerStub, fixture: str) -> None:
    # Given no trades today ("data": null, or AB1014 trade not found)
    broker_stub.route("GET", TRADE_BOOK_PATH, fixture_bytes("angelone", fixture))
    # Then there are no fills, and no error
    assert angel(broker_stub).trades() == []


def test_order_book(broker_stub: BrokerStub) -> None:
    # Given the documented order book: a cancelled order (a numeric orderid), a complete and a rejected one
    broker_stub.route("GET", ORDER_BOOK_PATH, fixture_bytes("angelone", "order_book.json"))
    cancelled, complete, rejected = angel(broker_stub).orders()
    # Then statuses read as the order book's terminal ones, ids as text, times IST
    assert (cancelled.order_id, cancelled.status, cancelled.symbol, cancelled.side) == (
        "201020000000080",
        "CANCELLED",
        "SBIN",
        "BUY",
    )
    assert (cancelled.cancelled_quantity, cancelled.pending_quantity, cancelled.average_price) == (1, 1, None)
    assert cancelled.placed_at == datetime(2020, 10, 20, 13, 10, 59, tzinfo=IST)
    assert (cancelled.price, cancelled.order_type, cancelled.variety, cancelled.validity) == (
        Decimal("194.00"),
        "LIMIT",
        "NORMAL",
        "DAY",
    )
    assert (complete.status, complete.filled_quantity, complete.average_price, complete.tag) == (
        "COMPLETE",
        1,
        Decimal("175.00"),
        "journal",
    )
    assert complete.exchange_order_id == "1100000012345678"
    assert complete.exchange_at == datetime(2020, 10, 20, 13, 27, 52, tzinfo=IST)
    assert rejected.status == "REJECTED" and rejected.exchange == "NFO"
    assert rejected.status_message == "Margin Exceeds,Required:96271.25, Available:1234.50"
    assert rejected.exchange_at is None


def test_positions_are_net_and_signed(broker_stub: BrokerStub) -> None:
    broker_stub.route("GET", POSITIONS_PATH, fixture_bytes("angelone", "positions.json"))
    reliance, nifty = angel(broker_stub).positions()
    assert (reliance.symbol, reliance.quantity, reliance.average_price, reliance.last_price) == (
        "RELIANCE",
        1,
        Decimal("2235.80"),
        Decimal("2241.35"),
    )
    assert (nifty.symbol, nifty.exchange, nifty.quantity, nifty.product) == (
        "NIFTY25JUL2424500CE",
        "NFO",
        -25,
        "CARRYFORWARD",
    )


def test_holdings_count_shares_in_t1_settlement(broker_stub: BrokerStub) -> None:
    # Given the documented holdings and an SBIN share bought yesterday (T+1)
    broker_stub.route("GET", HOLDINGS_PATH, fixture_bytes("angelone", "holdings.json"))
    tata, parag, sbin = angel(broker_stub).holdings()
    # Then prices are exact (JSON numbers read as Decimal) and T+1 shares are held
    assert (tata.symbol, tata.isin, tata.quantity, tata.average_price) == (
        "TATASTEEL",
        "INE081A01020",
        2,
        Decimal("111.87"),
    )
    assert (tata.last_price, tata.close_price, tata.product, tata.collateral_quantity) == (
        Decimal("130.15"),
        Decimal("129.6"),
        "DELIVERY",
        0,
    )
    assert parag.last_price == Decimal("201")
    assert (sbin.quantity, sbin.t1_quantity) == (2, 1)


# -- logins ---------------------------------------------------------------------------------------


def test_the_publisher_login_url_carries_the_api_key_and_state() -> None:
    client = AngelOneClient("smartapi-key", login_url="https://smartapi.example/publisher-login")
    assert (
        client.login_url("st-1") == "https://smartapi.example/publisher-login?api_key=smartapi-key&state=st-1"
    )


def test_the_publisher_redirect_completes_the_login(broker_stub: BrokerStub) -> None:
    # Given the redirect's tokens and the documented profile
    broker_stub.route("GET", PROFILE_PATH, fixture_bytes("angelone", "profile.json"))
    client = angel(broker_stub, access_token="")
    jwt = fixture_json_token()
    # When the callback's parameters complete the login
    grant = client.complete_login({"auth_token": jwt, "feed_token": "feed", "refresh_token": "refresh"})
    # Then the grant is the client code's, until the token's own expiry
    assert (grant.broker_user_id, grant.user_name, grant.expires_at) == (
        "S123456",
        "DEMO TRADER",
        JWT_EXPIRES,
    )
    assert grant.extra == {"refresh_token": "refresh", "feed_token": "feed"}
    (request,) = broker_stub.requests
    assert request.headers["Authorization"] == f"Bearer {jwt}"


def fixture_json_token() -> str:
    import json

    return str(json.loads(fixture_bytes("angelone", "login.json"))["data"]["jwtToken"])


def test_the_api_login_sends_client_code_pin_and_totp(broker_stub: BrokerStub) -> None:
    # Given the documented login and profile replies
    broker_stub.route("POST", LOGIN_PATH, fixture_bytes("angelone", "login.json"))
    broker_stub.route("GET", PROFILE_PATH, fixture_bytes("angelone", "profile.json"))
    client = angel(broker_stub, access_token="")
    # When the user's client code, PIN and TOTP log in
    grant = client.complete_login({"clientcode": "S123456", "password": "1234", "totp": "654321"})
    # Then the JSON body carries them, without a bearer token, and the session token is the jwtToken
    (login,) = broker_stub.requests_to("POST", LOGIN_PATH)
    assert login.json() == {"clientcode": "S123456", "password": "1234", "totp": "654321"}
    assert "Authorization" not in login.headers
    assert grant.access_token == client.access_token == fixture_json_token()
    assert grant.expires_at == JWT_EXPIRES and grant.extra["refresh_token"].endswith("refresh.token")


def test_a_token_that_is_not_a_jwt_lives_24_hours(broker_stub: BrokerStub) -> None:
    broker_stub.route("GET", PROFILE_PATH, fixture_bytes("angelone", "profile.json"))
    grant = angel(broker_stub).complete_login({"auth_token": "opaque"})
    assert grant.expires_at == NOW + timedelta(hours=24)


def test_a_login_without_tokens_or_credentials_is_bad_input(broker_stub: BrokerStub) -> None:
    with pytest.raises(BrokerInputError):
        angel(broker_stub).complete_login({"state": "x"})
    assert broker_stub.requests == []


@pytest.mark.parametrize(
    ("fixture", "kind", "error_type"),
    [
        ("error_login.json", BrokerAuthError, "AB1007"),
        ("error_invalid_totp.json", BrokerAuthError, "AB1050"),
    ],
)
def test_refused_api_logins(
    broker_stub: BrokerStub, fixture: str, kind: type[BrokerError], error_type: str
) -> None:
    broker_stub.route("POST", LOGIN_PATH, Reply(200, fixture_bytes("angelone", fixture)))
    with pytest.raises(kind) as raised:
        angel(broker_stub).login("S123456", "0000", "000000")
    assert raised.value.error_type == error_type


def test_history_is_unsupported(broker_stub: BrokerStub) -> None:
    with pytest.raises(BrokerUnsupported):
        angel(broker_stub).historical_trades(date(2024, 4, 1), date(2024, 7, 1))


# -- every documented error ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "fixture", "kind", "error_type"),
    [
        (200, "error_invalid_token.json", BrokerAuthError, "AG8001"),
        (401, "error_invalid_token.json", BrokerAuthError, "AG8001"),
        (200, "error_token_expired.json", BrokerAuthError, "AG8002"),
        (403, "error_token_exception.json", BrokerAuthError, "TokenException"),
        (200, "error_blocked.json", BrokerPermissionError, "AB1006"),
        (200, "error_symbol.json", BrokerInputError, "AB1009"),
        (200, "error_internal.json", BrokerUnavailable, "AB2001"),
        (200, "error_went_wrong.json", BrokerUnavailable, "AB1004"),
        (403, "error_rate_limited.txt", BrokerRateLimited, "RateLimited"),
        (502, "error_rate_limited.txt", BrokerRateLimited, "RateLimited"),
        (500, "error_internal.json", BrokerUnavailable, "AB2001"),
        (403, None, BrokerAuthError, "TokenException"),
        (503, None, BrokerUnavailable, "ServerError"),
        (418, None, BrokerError, "AngelOneError"),
    ],
)
def test_documented_errors_map_to_broker_errors(
    broker_stub: BrokerStub, status: int, fixture: str | None, kind: type[BrokerError], error_type: str
) -> None:
    # Given SmartAPI's error reply (its envelope, the gateway's text, or a bare status)
    body = fixture_bytes("angelone", fixture) if fixture else b""
    broker_stub.route("GET", ORDER_BOOK_PATH, Reply(status, body))
    # When the order book is read (no retries)
    with pytest.raises(kind) as raised:
        angel(broker_stub, retry=RetryPolicy(attempts=1)).orders()
    # Then it is the documented class of error, naming SmartAPI's code
    assert type(raised.value) is kind and raised.value.error_type == error_type


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"status": true, "data": {"x": 1}}',
        b'{"status": true, "data": [{"exchange": "NSE"}]}',
        b'{"message": "SUCCESS", "data": []}',
    ],
)
def test_malformed_success_bodies_are_unavailable(broker_stub: BrokerStub, body: bytes) -> None:
    broker_stub.route("GET", POSITIONS_PATH, Reply(200, body))
    with pytest.raises(BrokerUnavailable) as raised:
        angel(broker_stub, retry=RetryPolicy(attempts=1)).positions()
    assert raised.value.error_type == "DataException"


# -- logout (disconnecting an account calls it without arguments) ---------------------------------


def test_logout_names_the_client_code_of_the_jwt(broker_stub: BrokerStub) -> None:
    # Given a session whose jwtToken names its client code (login.json's: S123456)
    broker_stub.route("POST", LOGOUT_PATH, fixture_bytes("angelone", "logout.json"))
    # When the account is disconnected
    angel(broker_stub, access_token=fixture_json_token()).logout()
    # Then the logout names that client code, with no profile call
    (request,) = broker_stub.requests
    assert (request.path, request.json()) == (LOGOUT_PATH, {"clientcode": "S123456"})


def test_logout_of_an_opaque_token_asks_the_profile_first(broker_stub: BrokerStub) -> None:
    broker_stub.route("GET", PROFILE_PATH, fixture_bytes("angelone", "profile.json"))
    broker_stub.route("POST", LOGOUT_PATH, fixture_bytes("angelone", "logout.json"))
    angel(broker_stub, access_token="opaque").logout()
    profile, logout = broker_stub.requests
    assert (profile.path, logout.json()) == (PROFILE_PATH, {"clientcode": "S123456"})
