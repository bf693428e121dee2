"""WebSocket subscriptions in real Redis, through the connection function's frame handling."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import redis

from tradetrack.market import subscriptions
from tradetrack.market.cache import cache_quotes
from tradetrack.market.quote import Quote
from tradetrack.websocket import actions

TTL = 7200


def frame(action: str, symbols: list[str]) -> str:
    return json.dumps({"action": action, "symbols": symbols})


def test_subscribe_indexes_by_symbol_and_connection_with_expiry(redis_client: redis.Redis) -> None:
    # Given a connected user
    actions.connect(redis_client, "c1", "usr_1", ttl_s=TTL)
    # When it subscribes (lower case and duplicates are normalised)
    reply = actions.answer(
        redis_client, "c1", frame("subscribe", ["nse:infy", "NSE:NIFTY 50", "NSE:INFY"]), ttl_s=TTL
    )
    # Then both indexes hold it, expiring with the 2-hour connection limit
    assert reply == {"type": "subscribed", "symbols": ["NSE:INFY", "NSE:NIFTY 50"], "total": 2, "quotes": []}
    assert redis_client.smembers("ws:sym:NSE:INFY") == {"c1"}
    assert redis_client.smembers("ws:subs:c1") == {"NSE:INFY", "NSE:NIFTY 50"}
    assert 0 < redis_client.ttl("ws:sym:NSE:NIFTY 50") <= TTL
    assert 0 < redis_client.ttl("ws:subs:c1") <= TTL
    assert redis_client.smembers("ws:user:usr_1") == {"c1"}
    assert subscriptions.subscribed_symbols(redis_client) == ["NSE:INFY", "NSE:NIFTY 50"]


def test_subscribe_replies_with_the_last_known_quotes(redis_client: redis.Redis) -> None:
    # Given INFY quoted by the feed a minute ago, and TCS never quoted
    at = datetime(2026, 12, 4, 5, 0, tzinfo=UTC)
    infy = Quote(symbol="NSE:INFY", ltp=Decimal("1502.35"), close=Decimal("1480"), ts=at)
    cache_quotes(redis_client, [infy], now=at)
    actions.connect(redis_client, "c1", "usr_1", ttl_s=TTL)
    # When the client subscribes to both
    reply = actions.answer(redis_client, "c1", frame("subscribe", ["NSE:TCS", "NSE:INFY"]), ttl_s=TTL)
    # Then the reply carries INFY's quote, shaped as a pushed quote frame, and nothing for TCS
    assert reply["symbols"] == ["NSE:TCS", "NSE:INFY"]
    assert reply["quotes"] == [
        {
            "type": "quote",
            "symbol": "NSE:INFY",
            "ltp": "1502.35",
            "change": "22.35",
            "changePct": "1.51",
            "ts": "2026-12-04T10:30:00+05:30",
        }
    ]


def test_unsubscribe_removes_only_what_was_named(redis_client: redis.Redis) -> None:
    actions.answer(redis_client, "c1", frame("subscribe", ["NSE:INFY", "NSE:TCS"]), ttl_s=TTL)
    reply = actions.answer(redis_client, "c1", frame("unsubscribe", ["NSE:INFY"]), ttl_s=TTL)
    assert reply == {"type": "unsubscribed", "symbols": ["NSE:INFY"], "total": 1}
    assert not redis_client.exists("ws:sym:NSE:INFY")
    assert redis_client.smembers("ws:subs:c1") == {"NSE:TCS"}
    # And a symbol nobody listens to leaves the feed's work list on its next pass
    assert set(subscriptions.subscribers(redis_client, subscriptions.subscribed_symbols(redis_client))) == {
        "NSE:TCS"
    }
    assert subscriptions.subscribed_symbols(redis_client) == ["NSE:TCS"]


def test_the_101st_symbol_is_refused_and_nothing_of_that_frame_is_kept(redis_client: redis.Redis) -> None:
    # Given a connection with 60 symbols
    first = [f"NSE:S{i}" for i in range(60)]
    assert actions.answer(redis_client, "c1", frame("subscribe", first), ttl_s=TTL)["total"] == 60
    # When it asks for 41 more (101 in all)
    reply = actions.answer(
        redis_client, "c1", frame("subscribe", [f"NSE:T{i}" for i in range(41)]), ttl_s=TTL
    )
    # Then the frame is refused with an error and the connection keeps its 60
    assert reply["type"] == "error"
    assert reply["code"] == "TOO_MANY_SYMBOLS"
    assert redis_client.scard("ws:subs:c1") == 60
    assert not redis_client.exists("ws:sym:NSE:T0")
    # And 40 more (exactly 100) are accepted
    assert (
        actions.answer(redis_client, "c1", frame("subscribe", [f"NSE:T{i}" for i in range(40)]), ttl_s=TTL)[
            "total"
        ]
        == 100
    )


def test_101_symbols_in_one_frame_and_bad_symbols_get_error_frames(redis_client: redis.Redis) -> None:
    many = actions.answer(
        redis_client, "c1", frame("subscribe", [f"NSE:S{i}" for i in range(101)]), ttl_s=TTL
    )
    assert many["code"] == "TOO_MANY_SYMBOLS"
    bad = actions.answer(redis_client, "c1", frame("subscribe", ["INFY"]), ttl_s=TTL)
    assert bad["code"] == "BAD_SYMBOL"
    empty = actions.answer(redis_client, "c1", json.dumps({"action": "subscribe", "symbols": []}), ttl_s=TTL)
    assert empty["code"] == "BAD_FRAME"
    assert not redis_client.exists("ws:subs:c1")


def test_disconnect_cleans_every_index(redis_client: redis.Redis) -> None:
    actions.connect(redis_client, "c1", "usr_1", ttl_s=TTL)
    actions.connect(redis_client, "c2", "usr_1", ttl_s=TTL)
    actions.answer(redis_client, "c1", frame("subscribe", ["NSE:INFY", "NSE:TCS"]), ttl_s=TTL)
    actions.answer(redis_client, "c2", frame("subscribe", ["NSE:INFY"]), ttl_s=TTL)
    # When c1 disconnects
    actions.disconnect(redis_client, "c1")
    # Then it is gone from the symbol sets, the user's set and the registry; c2 is untouched
    assert redis_client.smembers("ws:sym:NSE:INFY") == {"c2"}
    assert not redis_client.exists("ws:sym:NSE:TCS")
    assert not redis_client.exists("ws:subs:c1")
    assert not redis_client.exists("ws:conn:c1")
    assert redis_client.smembers("ws:user:usr_1") == {"c2"}
