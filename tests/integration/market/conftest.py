"""Market fixtures: a fake Management API client and a feed over the test's FerretDB and Redis."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import redis
from pymongo.database import Database

from tradetrack.market.feed import Feed
from tradetrack.market.providers.simulated import SimulatedQuotes
from tradetrack.market.quote import Quote


class FakeManagement:
    """Records posts per connection; connections in `gone` answer 410 (post returns False)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent: dict[str, list[bytes]] = {}
        self.gone: set[str] = set()

    def post(self, connection_id: str, data: bytes) -> bool:
        if connection_id in self.gone:
            return False
        with self.lock:
            self.sent.setdefault(connection_id, []).append(data)
        return True


class FixedQuotes:
    """A provider whose prices the test sets."""

    name = "fixed"
    max_instruments_per_call = 500

    def __init__(self) -> None:
        self.prices: dict[str, tuple[Decimal, Decimal]] = {}
        self.calls = 0

    def set(self, symbol: str, ltp: str, close: str = "100") -> None:
        self.prices[symbol] = (Decimal(ltp), Decimal(close))

    def fetch(self, symbols: Any) -> dict[str, Quote]:
        self.calls += 1
        now = datetime.now(UTC)
        return {
            s: Quote(symbol=s, ltp=p[0], close=p[1], ts=now) for s in symbols if (p := self.prices.get(s))
        }


@pytest.fixture
def management() -> FakeManagement:
    return FakeManagement()


@pytest.fixture
def fixed_quotes() -> FixedQuotes:
    return FixedQuotes()


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=8) as executor:
        yield executor


@pytest.fixture
def make_feed(
    mongo_db: Database[dict[str, Any]],
    redis_client: redis.Redis,
    management: FakeManagement,
    pool: ThreadPoolExecutor,
) -> Any:
    def build(provider: Any = None) -> Feed:
        return Feed(
            cache=redis_client,
            db=mongo_db,
            provider=provider or SimulatedQuotes(seed=3),
            post=management.post,
            executor=pool,
            workers=8,
        )

    return build
