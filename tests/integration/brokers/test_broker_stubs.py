"""The Angel One, Breeze and ShareKhan stub servers (local/broker_stubs/) against our own clients over
real HTTP: a login, the demo day's books read back, a logged-out session refused, and the stub's 429
and 5xx answered by the client's retries."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from local.broker_stubs.angelone import AngelOneStubServer
from local.broker_stubs.breeze import BreezeStubServer
from local.broker_stubs.common import StubBrokerServer, demo_day
from local.broker_stubs.sharekhan import SharekhanStubServer
from tradetrack.brokers.angelone import AngelOneClient
from tradetrack.brokers.base import Broker, BrokerAuthError, TokenGrant
from tradetrack.brokers.breeze import BreezeClient
from tradetrack.brokers.sharekhan import SharekhanClient
from tradetrack.timeutil import IST

USER = "S123456"
FRIDAY = datetime(2026, 11, 20, 15, 0, tzinfo=IST)


@dataclass(frozen=True)
class StubCase:
    server: Callable[..., StubBrokerServer]
    client: Callable[[StubBrokerServer, str], Any]  # (server, token) -> the client


def _angel_client(server: StubBrokerServer, token: str) -> AngelOneClient:
    return AngelOneClient(
        server.api_key,
        token,
        base_url=server.url,
        login_url=f"{server.url}/publisher-login",
        now=lambda: FRIDAY,
    )


def _breeze_client(server: StubBrokerServer, token: str) -> BreezeClient:
    assert isinstance(server, BreezeStubServer)
    return BreezeClient(
        server.api_key,
        token,
        api_secret=server.api_secret,
        base_url=server.api_url,
        login_url=server.login_url,
        now=lambda: FRIDAY,
    )


def _sharekhan_client(server: StubBrokerServer, token: str) -> SharekhanClient:
    # the session names the customer: "<customer id>:<token>" (a bare stub token gets the prefix)
    session = token if not token or token.startswith(f"{USER}:") else f"{USER}:{token}"
    return SharekhanClient(
        server.api_key,
        session,
        api_secret=server.api_secret,
        base_url=server.url,
        login_url=f"{server.url}/skapi/auth/login.html",
        now=lambda: FRIDAY,
    )


CASES = {
    "angelone": StubCase(AngelOneStubServer, _angel_client),
    "breeze": StubCase(BreezeStubServer, _breeze_client),
    "sharekhan": StubCase(SharekhanStubServer, _sharekhan_client),
}


def log_in(server: StubBrokerServer, client: Any) -> TokenGrant:
    """The broker's own login: the browser opens its login page and is sent back to our callback
    (the state with it where the broker carries one); the callback's parameters complete the login."""
    server.redirect_url = "https://app.example/v1/broker-accounts/callback"
    page = requests.get(client.login_url("12345") + f"&user_id={USER}", allow_redirects=False, timeout=10)
    assert page.status_code == 302
    params = dict(parse_qsl(urlsplit(page.headers["Location"]).query))
    assert params.get("state", "12345") == "12345"
    grant: TokenGrant = client.complete_login(params)
    return grant


@pytest.fixture(params=sorted(CASES))
def stub(request: pytest.FixtureRequest) -> Iterator[tuple[StubCase, StubBrokerServer]]:
    case = CASES[str(request.param)]
    server = case.server(books={USER: demo_day()}, now=lambda: FRIDAY)
    with server:
        yield case, server


def test_a_login_then_the_demo_day_read_back(stub: tuple[StubCase, StubBrokerServer]) -> None:
    case, server = stub
    # Given a login through the broker's own flow
    client = case.client(server, "")
    grant = log_in(server, client)
    assert grant.broker_user_id == USER and grant.access_token
    broker: Broker = case.client(server, grant.access_token)
    # When the books are read
    fills, orders = broker.trades(), broker.orders()
    positions, holdings = broker.positions(), broker.holdings()
    # Then they are the demo day's: an INFY round trip in three fills, an open RELIANCE buy
    assert sorted((f.symbol, f.side, f.quantity) for f in fills) == [
        ("INFY", "BUY", 5),
        ("INFY", "BUY", 5),
        ("INFY", "SELL", 10),
        ("RELIANCE", "BUY", 5),
    ]
    assert all(f.executed_at.date() == FRIDAY.date() and f.exchange == "NSE" for f in fills)
    assert {f.price for f in fills if f.symbol == "INFY" and f.side == "SELL"} == {Decimal("1512.25")}
    assert sorted(o.status for o in orders) == ["CANCELLED", "COMPLETE", "COMPLETE", "COMPLETE"]
    assert {(p.symbol, p.quantity) for p in positions} == {("INFY", 0), ("RELIANCE", 5)}
    assert {(h.symbol, h.quantity, h.isin) for h in holdings} == {
        ("TCS", 3, "INE467B01029"),
        ("HDFCBANK", 12, "INE040A01034"),
    }


def test_a_logged_out_session_is_refused(stub: tuple[StubCase, StubBrokerServer]) -> None:
    case, server = stub
    server.revoke(USER)
    with pytest.raises(BrokerAuthError):
        case.client(server, server.access_token(USER)).trades()


@pytest.mark.parametrize("status", [429, 503])
def test_the_stubs_faults_are_retried(stub: tuple[StubCase, StubBrokerServer], status: int) -> None:
    case, server = stub
    client = case.client(server, server.log_in(USER))
    expected = client.trades()
    calls = len(server.requests)
    # Given the stub's next answer is its broker's rate-limit or server error (no wait asked)
    server.fail_next(status, retry_after_s=0 if status == 429 else None)
    # When the trade book is read again
    fills = client.trades()
    # Then the client retried the refused call once and read the same fills
    assert fills == expected and len(fills) == 4
    assert len(server.requests) == 2 * calls + 1


def test_an_angel_one_logout_ends_the_session_at_the_stub() -> None:
    # Given a logged-in Angel One session (disconnecting an account calls logout() without arguments)
    with AngelOneStubServer(books={USER: demo_day()}, now=lambda: FRIDAY) as server:
        client = _angel_client(server, server.log_in(USER))
        assert client.trades()
        # When it logs out / Then the stub refuses the token
        client.logout()
        with pytest.raises(BrokerAuthError):
            client.trades()
