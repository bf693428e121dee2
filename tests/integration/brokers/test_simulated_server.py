"""The simulated broker over HTTP: Kite Connect v3's login, wire format, errors and injected faults."""

from __future__ import annotations

import hashlib
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from typing import Any

import pytest

from local.broker_server import DEFAULT_REDIRECT_URL, SimulatedKiteServer
from local.simulated import DEMO_USER_ID, SimulatedBroker
from tradetrack.brokers.kite import KiteClient
from tradetrack.timeutil import IST

FRIDAY = date(2025, 11, 14)
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def keys(names: str) -> frozenset[str]:
    return frozenset(names.split())


# Key sets of Zerodha's sample replies (kite.trade/docs/connect/v3), copied here.
ORDER_KEYS = keys(
    """
    account_id average_price cancelled_quantity disclosed_quantity exchange exchange_order_id
    exchange_timestamp exchange_update_timestamp filled_quantity guid instrument_token
    market_protection meta modified order_id order_timestamp order_type parent_order_id
    pending_quantity placed_by price product quantity status status_message status_message_raw tag
    tradingsymbol transaction_type trigger_price validity validity_ttl variety
    """
)
TRADE_KEYS = keys(
    """
    average_price exchange exchange_order_id exchange_timestamp fill_timestamp instrument_token
    order_id order_timestamp product quantity trade_id tradingsymbol transaction_type
    """
)
ORDER_INFO_KEYS = keys(
    """
    average_price cancelled_quantity disclosed_quantity exchange exchange_order_id
    exchange_timestamp filled_quantity instrument_token modified order_id order_timestamp order_type
    parent_order_id pending_quantity placed_by price product quantity status status_message tag
    tradingsymbol transaction_type trigger_price validity variety
    """
)
POSITION_KEYS = keys(
    """
    average_price buy_m2m buy_price buy_quantity buy_value close_price day_buy_price
    day_buy_quantity day_buy_value day_sell_price day_sell_quantity day_sell_value exchange
    instrument_token last_price m2m multiplier overnight_quantity pnl product quantity realised
    sell_m2m sell_price sell_quantity sell_value tradingsymbol unrealised value
    """
)
HOLDING_KEYS = keys(
    """
    authorisation authorised_date authorised_quantity average_price close_price collateral_quantity
    collateral_type day_change day_change_percentage discrepancy exchange instrument_token isin
    last_price mtf opening_quantity pnl price product quantity realised_quantity short_quantity
    t1_quantity tradingsymbol used_quantity
    """
)
MTF_KEYS = {"average_price", "initial_margin", "quantity", "used_quantity", "value"}
PROFILE_KEYS = keys(
    """
    avatar_url broker email exchanges meta order_types products user_id user_name user_shortname
    user_type
    """
)
SESSION_KEYS = PROFILE_KEYS | keys("access_token api_key enctoken login_time public_token refresh_token silo")
QUOTE_KEYS = keys(
    """
    average_price buy_quantity depth instrument_token last_price last_quantity last_trade_time
    lower_circuit_limit net_change ohlc oi oi_day_high oi_day_low sell_quantity timestamp
    upper_circuit_limit volume
    """
)
OHLC_KEYS = {"open", "high", "low", "close"}
CONTRACT_NOTE_KEYS = keys(
    """
    charges exchange order_type price product quantity tradingsymbol transaction_type variety
    """
)
CHARGES_KEYS = keys(
    """
    brokerage exchange_turnover_charge gst sebi_turnover_charge stamp_duty total transaction_tax
    transaction_tax_type
    """
)
GST_KEYS = {"cgst", "igst", "sgst", "total"}


@dataclass
class Clock:
    moment: datetime

    def __call__(self) -> datetime:
        return self.moment


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_: Any, **__: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def call(
    server: SimulatedKiteServer,
    path: str,
    *,
    method: str = "GET",
    token: str | None = None,
    api_key: str | None = None,
    version: str | None = "3",
    form: dict[str, str] | None = None,
    body: Any = None,
) -> Reply:
    headers: dict[str, str] = {}
    if version is not None:
        headers["X-Kite-Version"] = version
    if token is not None:
        headers["Authorization"] = f"token {api_key or server.api_key}:{token}"
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(server.url + path, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with _opener.open(request, timeout=5) as response:
            status, reply_headers, raw = response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        status, reply_headers, raw = error.code, dict(error.headers.items()), error.read()
    return Reply(status, reply_headers, json.loads(raw) if raw else None)


def login_redirect(server: SimulatedKiteServer, *, user_id: str | None = None, state: str = "st-1") -> Reply:
    query = {"v": "3", "api_key": server.api_key, "redirect_params": urllib.parse.urlencode({"state": state})}
    if user_id is not None:
        query["user_id"] = user_id
    return call(server, "/connect/login?" + urllib.parse.urlencode(query), version=None)


def redirect_params(reply: Reply) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(reply.headers["Location"]).query))


def checksum(server: SimulatedKiteServer, request_token: str) -> str:
    return hashlib.sha256(f"{server.api_key}{request_token}{server.api_secret}".encode()).hexdigest()


def login(server: SimulatedKiteServer, user_id: str | None = None) -> str:
    request_token = redirect_params(login_redirect(server, user_id=user_id))["request_token"]
    form = {
        "api_key": server.api_key,
        "request_token": request_token,
        "checksum": checksum(server, request_token),
    }
    reply = call(server, "/session/token", method="POST", form=form)
    assert reply.status == 200, reply.body
    return str(reply.body["data"]["access_token"])


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.combine(FRIDAY, clock_time(15, 45), tzinfo=IST))


@pytest.fixture
def server(clock: Clock) -> Iterator[SimulatedKiteServer]:
    with SimulatedKiteServer(SimulatedBroker(seed=7), now=clock) as running:
        yield running


def assert_kite_error(reply: Reply, status: int, error_type: str) -> None:
    assert reply.status == status
    assert reply.body["status"] == "error"
    assert reply.body["error_type"] == error_type
    assert isinstance(reply.body["message"], str) and reply.body["message"]
    assert reply.body["data"] is None


def test_login_redirects_to_our_callback_with_a_request_token_and_our_state(
    server: SimulatedKiteServer,
) -> None:
    # Given the login URL our Kite client builds, with a state that needs encoding
    reply = login_redirect(server, state="a b&c=d/é")
    # Then the browser is sent to our OAuth callback with Kite's parameters and our state, intact
    assert reply.status == 302
    assert reply.headers["Location"].startswith(DEFAULT_REDIRECT_URL + "?")
    params = redirect_params(reply)
    assert params["action"] == "login" and params["status"] == "success" and params["type"] == "login"
    assert re.fullmatch(r"[0-9a-f]{32}", params["request_token"])
    assert params["state"] == "a b&c=d/é"
    # And a login for another app is refused
    wrong = call(server, "/connect/login?v=3&api_key=other", version=None)
    assert_kite_error(wrong, 400, "InputException")


def test_the_session_checks_the_checksum_and_each_request_token_works_once(
    server: SimulatedKiteServer,
) -> None:
    # Given a request token from the login redirect
    request_token = redirect_params(login_redirect(server, user_id="AB1234"))["request_token"]
    form = {"api_key": server.api_key, "request_token": request_token}
    # When the checksum is wrong / Then Kite's TokenException
    bad = call(server, "/session/token", method="POST", form={**form, "checksum": "0" * 64})
    assert_kite_error(bad, 403, "TokenException")
    assert "checksum" in bad.body["message"]
    # When it is sha256(api_key + request_token + api_secret) / Then a session like Kite's
    good = call(
        server, "/session/token", method="POST", form={**form, "checksum": checksum(server, request_token)}
    )
    assert good.status == 200 and good.body["status"] == "success"
    session = good.body["data"]
    assert set(session) == SESSION_KEYS
    assert session["user_id"] == "AB1234" and session["api_key"] == server.api_key
    assert session["access_token"].startswith("AB1234.")
    assert session["login_time"] == "2025-11-14 15:45:00"
    # And the same request token cannot be used twice
    again = call(
        server, "/session/token", method="POST", form={**form, "checksum": checksum(server, request_token)}
    )
    assert_kite_error(again, 403, "TokenException")
    # And a missing field is an InputException
    assert_kite_error(
        call(server, "/session/token", method="POST", form={"api_key": server.api_key}), 400, "InputException"
    )


def test_the_demo_user_logs_in_by_default_and_tokens_survive_a_restart(server: SimulatedKiteServer) -> None:
    # Given a login without a user id
    token = login(server)
    assert token.startswith(f"{DEMO_USER_ID}.")
    # When another server with the same API secret starts (a restart of the local stack)
    with SimulatedKiteServer(SimulatedBroker(seed=7), now=server.now) as restarted:
        reply = call(restarted, "/user/profile", token=token)
    # Then the token still works, for the same user
    assert reply.status == 200
    assert reply.body["data"]["user_id"] == DEMO_USER_ID
    assert set(reply.body["data"]) == PROFILE_KEYS


@pytest.mark.parametrize(
    "path", ["/orders", "/trades", "/portfolio/positions", "/portfolio/holdings", "/user/profile"]
)
def test_requests_without_a_valid_token_or_version_get_a_token_exception(
    server: SimulatedKiteServer, path: str
) -> None:
    token = login(server)
    # Given no Authorization, a tampered token, a wrong X-Kite-Version or none, another app's key
    tampered = token[:-1] + ("0" if token[-1] != "0" else "1")
    replies = [
        call(server, path),
        call(server, path, token=tampered),
        call(server, path, token="AB1234.notavalidmac"),
        call(server, path, token=token, version=None),
        call(server, path, token=token, version="2"),
        call(server, path, token=token, api_key="another_app"),
    ]
    # Then every one is refused with Kite's TokenException envelope and HTTP 403
    for reply in replies:
        assert_kite_error(reply, 403, "TokenException")


def test_unknown_paths_are_a_general_exception(server: SimulatedKiteServer) -> None:
    token = login(server)
    assert_kite_error(call(server, "/no/such/thing", token=token), 404, "GeneralException")
    assert_kite_error(call(server, "/orders", method="POST", token=token), 405, "GeneralException")


def test_account_replies_have_kites_keys_and_value_types(server: SimulatedKiteServer) -> None:
    token = login(server, "AB1234")
    # When every account endpoint is read after the close
    orders = call(server, "/orders", token=token).body["data"]
    trades = call(server, "/trades", token=token).body["data"]
    positions = call(server, "/portfolio/positions", token=token).body["data"]
    holdings = call(server, "/portfolio/holdings", token=token).body["data"]
    # Then the keys are the ones of Zerodha's samples
    assert orders and trades and holdings
    assert all(set(order) == ORDER_KEYS for order in orders)
    assert all(set(trade) == TRADE_KEYS for trade in trades)
    assert set(positions) == {"net", "day"} and positions["net"]
    assert all(set(row) == POSITION_KEYS for row in positions["net"] + positions["day"])
    assert all(set(row) == HOLDING_KEYS and set(row["mtf"]) == MTF_KEYS for row in holdings)
    # And the values have Kite's types: ids as strings, numbers as numbers, IST timestamps as text
    for trade in trades:
        assert isinstance(trade["trade_id"], str) and isinstance(trade["order_id"], str)
        assert isinstance(trade["average_price"], float) and isinstance(trade["quantity"], int)
        assert TIMESTAMP.match(trade["fill_timestamp"]) and re.fullmatch(
            r"\d\d:\d\d:\d\d", trade["order_timestamp"]
        )
        assert Decimal(str(trade["average_price"])) % Decimal("0.05") == 0
    for order in orders:
        assert TIMESTAMP.match(order["order_timestamp"])
        assert isinstance(order["price"], float) and isinstance(order["filled_quantity"], int)
    assert {order["status"] for order in orders} <= {"COMPLETE", "CANCELLED", "REJECTED"}
    # And an order's history and trades are there too, with the history's own keys
    filled = next(order for order in orders if order["filled_quantity"])
    history = call(server, f"/orders/{filled['order_id']}", token=token).body["data"]
    assert all(set(state) == ORDER_INFO_KEYS for state in history)
    assert history[-1]["status"] == "COMPLETE"
    order_trades = call(server, f"/orders/{filled['order_id']}/trades", token=token).body["data"]
    assert order_trades == [trade for trade in trades if trade["order_id"] == filled["order_id"]]
    assert_kite_error(call(server, "/orders/999/trades", token=token), 400, "InputException")


def test_fills_appear_as_the_clock_moves_through_the_day(server: SimulatedKiteServer, clock: Clock) -> None:
    token = login(server, "AB1234")
    counts = []
    # Given the server's clock at the open, then every 30 minutes
    clock.moment = datetime.combine(FRIDAY, clock_time(9, 15), tzinfo=IST)
    while clock.moment.time() <= clock_time(15, 30):
        counts.append(len(call(server, "/trades", token=token).body["data"]))
        clock.moment += timedelta(minutes=30)
    # Then each read finds at least what the last one did, and more fills turn up through the day
    assert counts == sorted(counts)
    assert counts[0] < counts[-1]
    # And on Saturday there is nothing
    clock.moment = datetime(2025, 11, 15, 12, 0, tzinfo=IST)
    assert call(server, "/trades", token=token).body["data"] == []
    assert call(server, "/orders", token=token).body["data"] == []


def test_different_users_see_their_own_activity(server: SimulatedKiteServer) -> None:
    first = {t["trade_id"] for t in call(server, "/trades", token=login(server, "AB1234")).body["data"]}
    second = {t["trade_id"] for t in call(server, "/trades", token=login(server, "CD5678")).body["data"]}
    assert first and second and not first & second


def test_quotes_have_kites_keys(server: SimulatedKiteServer) -> None:
    token = login(server)
    query = "?i=NSE:INFY&i=NSE:NIFTY%2050&i=NSE:NOSUCH"
    # When the three quote endpoints are asked for two known instruments and an unknown one
    quote = call(server, "/quote" + query, token=token).body["data"]
    ltp = call(server, "/quote/ltp" + query, token=token).body["data"]
    ohlc = call(server, "/quote/ohlc" + query, token=token).body["data"]
    # Then the known ones come back keyed as asked, with Kite's keys; the unknown one is left out
    assert set(quote) == set(ltp) == set(ohlc) == {"NSE:INFY", "NSE:NIFTY 50"}
    infy = quote["NSE:INFY"]
    assert set(infy) == QUOTE_KEYS and set(infy["ohlc"]) == OHLC_KEYS
    assert len(infy["depth"]["buy"]) == len(infy["depth"]["sell"]) == 5
    assert all(set(level) == {"price", "quantity", "orders"} for level in infy["depth"]["buy"])
    assert infy["instrument_token"] == 408065 and TIMESTAMP.match(infy["timestamp"])
    assert set(ltp["NSE:INFY"]) == {"instrument_token", "last_price"}
    assert set(ohlc["NSE:INFY"]) == {"instrument_token", "last_price", "ohlc"}
    assert ltp["NSE:INFY"]["last_price"] == infy["last_price"] == ohlc["NSE:INFY"]["last_price"]
    # And a request without instruments is an InputException
    assert_kite_error(call(server, "/quote", token=token), 400, "InputException")


def test_charges_of_orders_follow_the_contract_note_shape(server: SimulatedKiteServer) -> None:
    token = login(server)
    orders = [
        {
            "order_id": "1",
            "exchange": "NSE",
            "tradingsymbol": "SBIN",
            "transaction_type": "BUY",
            "variety": "regular",
            "product": "CNC",
            "order_type": "MARKET",
            "quantity": 1,
            "average_price": 560,
        },
        {
            "order_id": "2",
            "exchange": "NSE",
            "tradingsymbol": "INFY",
            "transaction_type": "SELL",
            "variety": "regular",
            "product": "MIS",
            "order_type": "LIMIT",
            "quantity": 200,
            "average_price": 1500.5,
        },
    ]
    # When their charges are asked
    reply = call(server, "/charges/orders", method="POST", token=token, body=orders)
    # Then one contract note per order, in order, with Kite's keys and Zerodha's rates
    assert reply.status == 200
    delivery, intraday = reply.body["data"]
    for note in (delivery, intraday):
        assert set(note) == CONTRACT_NOTE_KEYS
        assert set(note["charges"]) == CHARGES_KEYS and set(note["charges"]["gst"]) == GST_KEYS
    assert delivery["tradingsymbol"] == "SBIN" and delivery["price"] == 560
    assert delivery["charges"]["brokerage"] == 0 and delivery["charges"]["transaction_tax"] == 0.56
    assert intraday["charges"]["brokerage"] == 20  # 0.03% of ₹3,00,100 is over the ₹20 cap
    assert intraday["charges"]["transaction_tax"] == pytest.approx(75.025)
    # And a malformed order is an InputException
    bad = call(server, "/charges/orders", method="POST", token=token, body=[{**orders[0], "quantity": -1}])
    assert_kite_error(bad, 400, "InputException")


def test_logout_invalidates_the_token_until_the_next_login(server: SimulatedKiteServer) -> None:
    token = login(server)
    # When the session is deleted the way our client does it
    query = urllib.parse.urlencode({"api_key": server.api_key, "access_token": token})
    reply = call(server, f"/session/token?{query}", method="DELETE")
    # Then Kite's reply, and the token no longer works
    assert reply.status == 200 and reply.body == {"status": "success", "data": True}
    assert_kite_error(call(server, "/orders", token=token), 403, "TokenException")
    # And a new login brings it back
    assert call(server, "/orders", token=login(server)).status == 200
    # And revoke() expires a token the same way
    server.revoke(DEMO_USER_ID)
    assert_kite_error(call(server, "/orders", token=token), 403, "TokenException")


def test_injected_faults_fail_the_next_requests_then_clear(server: SimulatedKiteServer) -> None:
    token = login(server)
    # Given a rate limit with Retry-After for one request
    server.fail_next(429, retry_after_s=2)
    reply = call(server, "/trades", token=token)
    assert_kite_error(reply, 429, "NetworkException")
    assert reply.headers["Retry-After"] == "2"
    assert call(server, "/trades", token=token).status == 200
    # Given two 503s / Then two failures, then success
    server.fail_next(503, count=2)
    assert [call(server, "/orders", token=token).status for _ in range(3)] == [503, 503, 200]
    # Given an expired session for one request / Then a TokenException even with a good token
    server.fail_next(403)
    assert_kite_error(call(server, "/portfolio/holdings", token=token), 403, "TokenException")
    # Given a fault for one path only / Then other paths are untouched
    server.fail_next(500, "GeneralException", path="/portfolio/positions", message="Internal error")
    assert call(server, "/trades", token=token).status == 200
    failed = call(server, "/portfolio/positions", token=token)
    assert_kite_error(failed, 500, "GeneralException")
    assert failed.body["message"] == "Internal error"
    # Given a slow answer / Then it comes late but right
    server.delay_next(0.3)
    started = time.monotonic()
    assert call(server, "/trades", token=token).status == 200
    assert time.monotonic() - started >= 0.3
    # And every request was recorded
    assert ("GET", "/portfolio/positions") in server.requests


def test_our_kite_client_reads_the_simulated_broker(server: SimulatedKiteServer, clock: Clock) -> None:
    # Given the project's Kite client pointed at the server, as the simulated broker's factory does
    client = KiteClient(
        server.api_key,
        api_secret=server.api_secret,
        name="simulated",
        base_url=server.url,
        login_url=server.login_url,
        now=clock,
    )
    # When it logs in through the redirect and reads the account
    location = login_redirect(server, state="xyz")
    assert location.status == 302
    grant = client.complete_login(redirect_params(location))
    fills, orders, positions = client.trades(), client.orders(), client.positions()
    # Then it gets the day's activity, and the positions agree with the fills
    assert grant.broker_user_id == DEMO_USER_ID
    expected = SimulatedBroker(seed=7).fills_at(DEMO_USER_ID, clock.moment)
    assert [fill.trade_id for fill in fills] == [fill.trade_id for fill in expected]
    assert [fill.price for fill in fills] == [fill.price for fill in expected]
    assert {order.order_id for order in orders} >= {fill.order_id for fill in fills}
    for position in positions:
        signed = sum(
            f.quantity if f.side == "BUY" else -f.quantity
            for f in fills
            if (f.symbol, f.product) == (position.symbol, position.product)
        )
        assert position.quantity == signed
    assert client.holdings()
    completed = [order for order in orders if order.filled_quantity]
    charges = client.order_charges(completed)
    assert [c.order_id for c in charges] == [o.order_id for o in completed]
    assert all(c.total > 0 for c in charges)
