"""Market data benchmarks (`make bench`): one tick fanned out to 10,000 connections, and the
quote-to-client latency through the local stack."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pytest
import redis
from websockets.sync.client import connect

from local.background import BackgroundStack
from tests.e2e.market_support import FEED_RULE, login, market_stack, receive, send
from tradetrack.market.feed import Feed
from tradetrack.market.providers.simulated import SimulatedQuotes
from tradetrack.market.subscriptions import SYMBOLS_KEY

pytestmark = pytest.mark.bench

CONNECTIONS = 10_000
SYMBOLS = [f"NSE:BENCH{i}" for i in range(100)]


class CountingManagement:
    """A Management API that accepts every post at once: what is measured is our own overhead."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def post(self, connection_id: str, data: bytes) -> bool:
        with self._lock:
            self.count += 1
        return True


@pytest.fixture
def subscribed(redis_client: redis.Redis) -> redis.Redis:
    # 10,000 connections, each on one of 100 symbols (100 listeners per symbol)
    for start in range(0, CONNECTIONS, 1000):
        pipe = redis_client.pipeline(transaction=False)
        for i in range(start, start + 1000):
            pipe.sadd(f"ws:sym:{SYMBOLS[i % 100]}", f"conn-{i}")
        pipe.execute()
    redis_client.sadd(SYMBOLS_KEY, *SYMBOLS)
    return redis_client


def test_one_tick_fanned_out_to_10000_connections(
    benchmark: Any, subscribed: redis.Redis, mongo_db: Any
) -> None:
    management = CountingManagement()
    with ThreadPoolExecutor(max_workers=32) as pool:
        feed = Feed(
            cache=subscribed,
            db=mongo_db,
            provider=SimulatedQuotes(seed=1),
            post=management.post,
            executor=pool,
            workers=32,
        )
        result = benchmark.pedantic(feed.tick, rounds=5, warmup_rounds=1)
    assert result.sent == CONNECTIONS
    benchmark.extra_info["goal"] = "<= 1 s per tick for 10,000 connections"
    assert benchmark.stats.stats.median <= 1.0


@pytest.fixture(scope="module")
def stack() -> Iterator[BackgroundStack]:
    with market_stack() as running:
        yield running


def test_quote_to_client_latency_through_the_local_stack(benchmark: Any, stack: BackgroundStack) -> None:
    _, token = login(stack.stack.rest_url)
    latencies: list[float] = []
    with connect(f"{stack.stack.ws_url}/?token={token}", open_timeout=10) as ws:
        send(ws, {"action": "subscribe", "symbols": ["NSE:INFY"]})

        def one_quote() -> None:
            stack.run(stack.stack.fire_schedule(FEED_RULE))
            message = receive(ws)
            received = time.time()
            latencies.append(received - datetime.fromisoformat(message["ts"]).timestamp())

        benchmark.pedantic(one_quote, rounds=30, warmup_rounds=2)
    p50 = statistics.median(latencies[2:])
    benchmark.extra_info["quote_to_client_p50_ms"] = round(p50 * 1000, 2)
    benchmark.extra_info["goal"] = "p50 <= 100 ms"
    print(f"\nquote-to-client p50: {p50 * 1000:.1f} ms over {len(latencies) - 2} quotes")
    assert p50 <= 0.1
