"""One feed tick: quotes for the subscribed symbols, cached for 5 s, fanned out, gone connections pruned."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import redis

from tests.integration.market.conftest import FakeManagement, FixedQuotes
from tradetrack.market.cache import LAST_QUOTE_TTL_S, QUOTE_TTL_S, cached_quotes
from tradetrack.market.feed import planned_ticks, run
from tradetrack.market.providers.simulated import SimulatedQuotes
from tradetrack.timeutil import IST
from tradetrack.websocket import actions

TTL = 7200


def subscribe(cache: redis.Redis, connection: str, *symbols: str) -> None:
    actions.connect(cache, connection, f"usr_{connection}", ttl_s=TTL)
    reply = actions.answer(
        cache, connection, json.dumps({"action": "subscribe", "symbols": list(symbols)}), ttl_s=TTL
    )
    assert reply["type"] == "subscribed"


def test_a_tick_caches_and_fans_out_quotes_to_subscribers_only(
    redis_client: redis.Redis, make_feed: Any, management: FakeManagement
) -> None:
    # Given two connections on different symbols
    subscribe(redis_client, "c1", "NSE:INFY", "NSE:NIFTY 50")
    subscribe(redis_client, "c2", "NSE:INFY")
    # When one tick runs on the simulated provider
    result = make_feed(SimulatedQuotes(seed=5)).tick()
    # Then each connection got a quote per subscribed symbol
    assert result.sent == 3
    got = {c: sorted(json.loads(d)["symbol"] for d in data) for c, data in management.sent.items()}
    assert got == {"c1": ["NSE:INFY", "NSE:NIFTY 50"], "c2": ["NSE:INFY"]}
    message = json.loads(management.sent["c2"][0])
    assert set(message) == {"type", "symbol", "ltp", "change", "changePct", "ts"}
    assert message["ts"].endswith("+05:30")
    # And the cache holds the quote under mkt:quote:{EXCHANGE}:{SYMBOL} with the time it was fetched:
    # fresh for the quotes route for 5 s, kept a week as the last known price for positions' marks
    cached = json.loads(str(redis_client.get("mkt:quote:NSE:INFY")))
    assert set(cached) == {
        "ltp", "open", "high", "low", "close", "change", "changePct", "volume", "ts", "fetchedAt",
    }  # fmt: skip
    assert cached["ltp"] == message["ltp"]
    assert 6 * 24 * 3600 < redis_client.ttl("mkt:quote:NSE:INFY") <= LAST_QUOTE_TTL_S
    assert cached_quotes(redis_client, ["NSE:INFY"])["NSE:INFY"].ltp == Decimal(message["ltp"])
    later = datetime.now(UTC) + timedelta(seconds=QUOTE_TTL_S + 1)
    assert cached_quotes(redis_client, ["NSE:INFY"], now=later) == {}


def test_gone_connections_are_pruned(
    redis_client: redis.Redis, make_feed: Any, management: FakeManagement
) -> None:
    subscribe(redis_client, "alive", "NSE:INFY")
    subscribe(redis_client, "dead", "NSE:INFY", "NSE:TCS")
    management.gone.add("dead")
    result = make_feed().tick()
    assert result.gone.count("dead") == 2
    assert redis_client.smembers("ws:sym:NSE:INFY") == {"alive"}
    assert not redis_client.exists("ws:subs:dead")
    assert not redis_client.exists("ws:conn:dead")
    # And the next tick no longer fetches the symbol only the dead connection wanted
    provider = FixedQuotes()
    make_feed(provider).tick()
    assert redis_client.smembers("ws:symbols") == {"NSE:INFY"}


def test_a_provider_failure_skips_the_tick(
    redis_client: redis.Redis, make_feed: Any, management: FakeManagement
) -> None:
    from tradetrack.market.providers import ProviderError

    class Broken(FixedQuotes):
        def fetch(self, symbols: Any) -> Any:
            raise ProviderError("token expired", error_type="TokenException")

    subscribe(redis_client, "c1", "NSE:INFY")
    result = make_feed(Broken()).tick()
    assert result.error == "token expired"
    assert management.sent == {}


def test_nothing_subscribed_and_no_alerts_means_no_provider_call(
    redis_client: redis.Redis, make_feed: Any
) -> None:
    provider = FixedQuotes()
    assert make_feed(provider).tick().symbols == 0
    assert provider.calls == 0


def test_ticks_fill_the_minute_in_market_hours_and_one_outside() -> None:
    from datetime import datetime

    open_moment = datetime(2025, 11, 14, 11, 0, tzinfo=IST)
    closed = datetime(2025, 11, 15, 11, 0, tzinfo=IST)
    assert planned_ticks(open_moment, window_s=55, interval_s=5) == 11
    assert planned_ticks(closed, window_s=55, interval_s=5) == 1
    assert planned_ticks(open_moment, window_s=55, interval_s=5, fixed=1) == 1


def test_run_spaces_ticks_and_stops_before_the_deadline(redis_client: redis.Redis, make_feed: Any) -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    feed = make_feed()
    results = run(
        feed,
        ticks=11,
        interval_s=5,
        clock=lambda: now[0],
        sleep=sleep,
        remaining_ms=lambda: 70_000 - int(now[0] * 1000),
    )
    assert len(results) == 11
    assert slept == [5.0] * 10
    now[0] = 0.0
    short = run(
        feed,
        ticks=11,
        interval_s=5,
        clock=lambda: now[0],
        sleep=sleep,
        remaining_ms=lambda: 12_000 - int(now[0] * 1000),
    )
    assert len(short) == 2
