"""The market feed (flow 5): each tick fetches the quotes that are listened to, alerted on or held
(every symbol with an open position of any user, so positions and unrealized P&L are marked at
current prices without anyone asking for a quote), caches them (fresh for 5 seconds, kept as the
last known price after), fans them out through the API Gateway Management API and evaluates alerts.

A tick with more posts than one shard plans shards (tradetrack.websocket.fanout) and queues them all
for parallel fan-out invocations (each with a full vCPU: the feed's 512 MB is a third of one, too
little to post a shard of its own in time); smaller ticks post themselves, without the queue's hop.

One EventBridge invocation a minute runs several ticks (every 5 s in market hours, one outside).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import pymongo.errors
import redis
from pymongo.database import Database

from tradetrack.db import alerts as alerts_repo
from tradetrack.db import trades as trades_repo
from tradetrack.market import alerting, subscriptions
from tradetrack.market.cache import cache_quotes
from tradetrack.market.calendar import market_status
from tradetrack.market.providers import ProviderError, QuoteProvider, fetch_in_batches
from tradetrack.market.quote import Quote
from tradetrack.market.symbols import canonical_symbol, normalize_symbol, quote_symbol
from tradetrack.observability import MetricUnit, logger, metrics
from tradetrack.websocket.actions import disconnect
from tradetrack.websocket.fanout import Post, Shard, ShardQueue, fan_out, plan_shards
from tradetrack.websocket.push import post_bytes

Document = dict[str, Any]
__all__ = ["Feed", "Post", "TickResult", "fan_out", "management_post", "planned_ticks", "run"]


@dataclass
class TickResult:
    symbols: int = 0
    held: int = 0  # symbols with an open position
    quotes: int = 0
    sent: int = 0  # posted by the tick itself
    queued: int = 0  # posts handed to fan-out invocations
    shards: int = 0  # shards handed to fan-out invocations
    gone: list[str] = field(default_factory=list)
    alerts_fired: int = 0
    error: str | None = None


def management_post(client: Any) -> Post:
    return lambda connection_id, data: post_bytes(client, connection_id, data)


@dataclass
class Feed:
    cache: redis.Redis
    db: Database[Document]
    provider: QuoteProvider
    post: Post
    executor: ThreadPoolExecutor
    workers: int = 32
    notifications_queue_url: str = ""
    sqs: Any = None
    shard_queue: ShardQueue | None = None  # None: the tick posts every frame itself
    shard_size: int = 500
    clock: Callable[[], float] = time.time
    held_every_s: float = 30.0  # how often the symbols with open positions are read again
    _held: set[str] = field(default_factory=set)
    _held_at: float | None = None

    def held_symbols(self) -> set[str]:
        """Every symbol with an open position, of any user (read at most every `held_every_s`; the
        last list is kept when Mongo does not answer)."""
        now = self.clock()
        if self._held_at is not None and now - self._held_at < self.held_every_s:
            return self._held
        try:
            found = trades_repo.open_instruments(self.db)
        except pymongo.errors.PyMongoError as exc:
            logger.warning("open positions' symbols unavailable", extra={"error": str(exc)})
            return self._held
        symbols = (normalize_symbol(quote_symbol(exchange, symbol)) for exchange, symbol in found)
        self._held, self._held_at = {s for s in symbols if s is not None}, now
        return self._held

    def tick(self) -> TickResult:
        result = TickResult()
        listeners = subscriptions.subscribers(self.cache, subscriptions.subscribed_symbols(self.cache))
        held = self.held_symbols()
        symbols = sorted(set(listeners) | alerts_repo.active_symbols(self.db) | held)
        result.symbols, result.held = len(symbols), len(held)
        if not symbols:
            return result
        try:
            quotes = self.fetch(symbols)
        except (ProviderError, OSError) as exc:
            logger.warning("quote provider failed", extra={"provider": self.provider.name, "error": str(exc)})
            metrics.add_metric(name="QuoteProviderErrors", unit=MetricUnit.Count, value=1)
            result.error = str(exc)
            return result
        result.quotes = len(quotes)
        cache_quotes(self.cache, quotes.values())
        frames = {
            symbol: json.dumps(quote.to_message(), separators=(",", ":"))
            for symbol in listeners
            if (quote := quotes.get(symbol)) is not None
        }
        jobs = self.post_here(frames, listeners, result)
        result.gone = fan_out(jobs, self.post, self.executor, self.workers)
        result.sent = len(jobs) - len(result.gone)
        for connection in result.gone:
            disconnect(self.cache, connection)
        for fired in alerting.evaluate(self.db, quotes):
            self.deliver(fired)
            result.alerts_fired += 1
        return result

    def fetch(self, symbols: list[str]) -> dict[str, Quote]:
        """Quotes of `symbols` as named, an index alias fetched once as its index (NSE:BANKNIFTY as
        NSE:NIFTY BANK), so every name of an instrument carries one price."""
        names = {symbol: canonical_symbol(symbol) for symbol in symbols}
        fetched = fetch_in_batches(self.provider, list(dict.fromkeys(names.values())))
        return {
            symbol: quote if quote.symbol == symbol else replace(quote, symbol=symbol)
            for symbol, name in names.items()
            if (quote := fetched.get(name)) is not None
        }

    def post_here(
        self, frames: dict[str, str], listeners: dict[str, set[str]], result: TickResult
    ) -> list[tuple[str, bytes]]:
        """The posts this tick makes itself: all of them, or once shards are queued, the shards that
        could not be."""
        if self.shard_queue is None or sum(len(c) for s, c in listeners.items() if s in frames) <= (
            self.shard_size
        ):
            encoded = {symbol: frame.encode() for symbol, frame in frames.items()}
            return [
                (c, encoded[s]) for s, connections in listeners.items() if s in encoded for c in connections
            ]
        shards = plan_shards(
            frames, listeners, shard_size=self.shard_size, tick_id=uuid.uuid4().hex, at=self.clock()
        )
        unsent: list[Shard] = self.shard_queue.send(shards)
        if unsent:
            metrics.add_metric(name="FanoutShardsNotQueued", unit=MetricUnit.Count, value=len(unsent))
        result.shards = len(shards) - len(unsent)
        result.queued = sum(len(s.targets) for s in shards) - sum(len(s.targets) for s in unsent)
        return [job for shard in unsent for job in shard.jobs()]

    def deliver(self, fired: alerting.FiredAlert) -> None:
        data = json.dumps(fired.to_message(), separators=(",", ":")).encode()
        connections = sorted(subscriptions.user_connections(self.cache, fired.user_id))
        for connection in fan_out([(c, data) for c in connections], self.post, self.executor, self.workers):
            disconnect(self.cache, connection)
        try:
            alerting.publish_event(fired, queue_url=self.notifications_queue_url, sqs=self.sqs)
        except Exception as exc:  # the WebSocket message went out; the event is logged for replay
            logger.error(
                "alert notification event failed", extra={"event": fired.to_event(), "error": str(exc)}
            )


def planned_ticks(now: datetime, *, window_s: float, interval_s: float, fixed: int = 0) -> int:
    """Ticks for one invocation: `fixed` if set, else enough to fill the window in market hours, else one."""
    if fixed:
        return fixed
    if market_status(now).status in ("open", "pre_open"):
        return max(1, int(-(-window_s // interval_s)))
    return 1


def run(
    feed: Feed,
    *,
    ticks: int,
    interval_s: float,
    remaining_ms: Callable[[], int] = lambda: 10**9,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[TickResult]:
    """`ticks` ticks `interval_s` apart, stopping early when the invocation would run out of time."""
    results: list[TickResult] = []
    start = clock()
    for i in range(ticks):
        if i:
            wait = start + i * interval_s - clock()
            if remaining_ms() / 1000 < max(wait, 0) + interval_s:
                break
            if wait > 0:
                sleep(wait)
        results.append(feed.tick())
    return results


def now_utc() -> datetime:
    return datetime.now(UTC)
