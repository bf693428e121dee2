"""Live quotes and alerts over the WebSocket API of the local stack, with a real client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from local.background import BackgroundStack
from tests.e2e.doubles import wait_until
from tests.e2e.market_support import FEED_RULE, login, market_stack, receive, send

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def runner() -> Iterator[BackgroundStack]:
    with market_stack() as running:
        yield running


@pytest.fixture(scope="module")
def token(runner: BackgroundStack) -> str:
    return login(runner.stack.rest_url)[1]


def fire(runner: BackgroundStack) -> None:
    runner.run(runner.stack.fire_schedule(FEED_RULE))


def test_connect_without_or_with_a_bad_token_is_refused(runner: BackgroundStack) -> None:
    for url in (f"{runner.stack.ws_url}/", f"{runner.stack.ws_url}/?token=not-a-jwt"):
        with pytest.raises(InvalidStatus) as refused:
            connect(url, open_timeout=10)
        assert refused.value.response.status_code in (401, 403)


def test_subscribe_receive_quotes_then_unsubscribe(runner: BackgroundStack, token: str) -> None:
    with connect(f"{runner.stack.ws_url}/?token={token}", open_timeout=10) as ws:
        # When the client subscribes to INFY and NIFTY 50
        ack = send(ws, {"action": "subscribe", "symbols": ["NSE:INFY", "NSE:NIFTY 50"]})
        assert {k: v for k, v in ack.items() if k != "quotes"} == {
            "type": "subscribed",
            "symbols": ["NSE:INFY", "NSE:NIFTY 50"],
            "total": 2,
        }
        # And the feed's schedule fires
        fire(runner)
        # Then a simulated quote per symbol arrives, prices as decimal strings, time in IST
        quotes = {m["symbol"]: m for m in (receive(ws), receive(ws))}
        assert set(quotes) == {"NSE:INFY", "NSE:NIFTY 50"}
        for message in quotes.values():
            assert message["type"] == "quote"
            assert isinstance(message["ltp"], str) and isinstance(message["changePct"], str)
            assert message["ts"].endswith("+05:30")
        # When it unsubscribes from everything, Then the next firing sends it nothing
        assert send(ws, {"action": "unsubscribe", "symbols": ["NSE:INFY", "NSE:NIFTY 50"]})["total"] == 0
        fire(runner)
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.5)


def test_a_subscriber_gets_the_last_quotes_at_once(runner: BackgroundStack, token: str) -> None:
    # Given the feed has quoted INFY for a subscriber
    with connect(f"{runner.stack.ws_url}/?token={token}", open_timeout=10) as first:
        send(first, {"action": "subscribe", "symbols": ["NSE:INFY"]})
        fire(runner)
        pushed = receive(first)
    assert pushed["type"] == "quote"
    # When another client subscribes to INFY (before any further tick)
    with connect(f"{runner.stack.ws_url}/?token={token}", open_timeout=10) as ws:
        ack = send(ws, {"action": "subscribe", "symbols": ["NSE:INFY"]})
    # Then its reply carries that last quote, exactly as it was pushed
    assert ack["quotes"] == [pushed]


def test_bad_frames_get_errors_and_the_connection_stays_open(runner: BackgroundStack, token: str) -> None:
    with connect(f"{runner.stack.ws_url}/?token={token}", open_timeout=10) as ws:
        ws.send("{not json")
        assert receive(ws)["code"] == "BAD_FRAME"
        assert send(ws, {"action": "subscribe", "symbols": ["INFY"]})["code"] == "BAD_SYMBOL"
        assert send(ws, {"action": "subscribe"})["code"] == "BAD_FRAME"
        assert send(ws, {"action": "dance"})["code"] == "UNKNOWN_ACTION"
        ws.send('{"action":"ping","pad":"' + "x" * 33_000 + '"}')
        assert receive(ws)["code"] == "FRAME_TOO_LARGE"
        assert send(ws, {"action": "ping"}) == {"type": "pong"}


def test_101_symbols_are_refused(runner: BackgroundStack, token: str) -> None:
    with connect(f"{runner.stack.ws_url}/?token={token}", open_timeout=10) as ws:
        refused = send(ws, {"action": "subscribe", "symbols": [f"NSE:SYM{i}" for i in range(101)]})
        assert refused["type"] == "error"
        assert refused["code"] == "TOO_MANY_SYMBOLS"
        assert (
            send(ws, {"action": "subscribe", "symbols": [f"NSE:SYM{i}" for i in range(100)]})["total"] == 100
        )
        assert send(ws, {"action": "subscribe", "symbols": ["NSE:ONEMORE"]})["code"] == "TOO_MANY_SYMBOLS"


def test_reconnect_starts_clean_and_can_subscribe_again(runner: BackgroundStack, token: str) -> None:
    redis = runner.stack.redis
    before = set(runner.stack.websocket.connections.ids())
    with connect(f"{runner.stack.ws_url}/?token={token}", open_timeout=10) as ws:
        send(ws, {"action": "subscribe", "symbols": ["NSE:TCS"]})
        (first,) = set(runner.stack.websocket.connections.ids()) - before
    # Then $disconnect removed the old connection's subscriptions
    assert wait_until(lambda: not redis.exists(f"ws:subs:{first}"))
    assert first not in redis.smembers("ws:sym:NSE:TCS")
    with connect(f"{runner.stack.ws_url}/?token={token}", open_timeout=10) as ws:
        send(ws, {"action": "subscribe", "symbols": ["NSE:TCS"]})
        fire(runner)
        message = receive(ws)
        assert message["type"] == "quote" and message["symbol"] == "NSE:TCS"


def test_an_alert_fires_once_to_the_users_connection(runner: BackgroundStack) -> None:
    user_id, token = login(runner.stack.rest_url)
    headers = {"Authorization": f"Bearer {token}"}
    created = requests.post(
        f"{runner.stack.rest_url}/v1/alerts",
        json={"symbol": "NSE:WIPRO", "condition": "above", "value": "1", "channels": ["push"]},
        headers=headers,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    with connect(f"{runner.stack.ws_url}/?token={token}", open_timeout=10) as ws:
        assert wait_until(lambda: bool(runner.stack.redis.smembers(f"ws:user:{user_id}")))
        fire(runner)
        alert = receive(ws)
        assert alert["type"] == "alert"
        assert alert["alertId"] == created.json()["alertId"]
        assert alert["symbol"] == "NSE:WIPRO"
        fire(runner)  # triggered: not again
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.5)
    listed = requests.get(f"{runner.stack.rest_url}/v1/alerts", headers=headers, timeout=10).json()
    assert listed["items"][0]["status"] == "triggered"
