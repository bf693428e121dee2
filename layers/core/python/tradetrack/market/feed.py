"""The market feed (flow 5): each tick fetches the quotes that are listened to or alerted on, caches
them for 5 seconds, fans them out through the API Gateway Management API and evaluates alerts.

One EventBridge invocation a minute runs several ticks (every 5 s in market hours, one outside).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.db import alerts as alerts_repo
from tradetrack.market import alerting, subscriptions
from tradetrack.market.cache import cache_quotes
from tradetrack.market.calendar import market_status
from tradetrack.market.providers import ProviderError, QuoteProvider, fetch_in_batches
from tradetrack.observability import MetricUnit, logger, metrics
from tradetrack.websocket.actions import disconnect
from tradetrack.websocket.push import post_bytes

Document = dict[str, Any]
Post = Callable[[str, bytes], bool]  # (connection id, data) → False when the connection is gone


@dataclass
class TickResult:
    symbols: int = 0
    quotes: int = 0
    sent: int = 0
    gone: list[str] = field(default_factory=list)
    alerts_fired: int = 0
    error: str | None = None


def management_post(client: Any) -> Post:
    return lambda connection_id, data: post_bytes(client, connection_id, data)


def fan_out(
    jobs: Sequence[tuple[str, bytes]], post: Post, executor: ThreadPoolExecutor, workers: int
) -> list[str]:
    """Post every (connection, data) concurrently, in `workers` slices; the connections that are gone."""
    if not jobs:
        return []
    slices = [jobs[i::workers] for i in range(min(workers, len(jobs)))]

    def send(part: Sequence[tuple[str, bytes]]) -> list[str]:
        gone = []
        for connection_id, data in part:
            try:
                if not post(connection_id, data):
                    gone.append(connection_id)
            except Exception as exc:  # one failing client must not stop the others
                logger.warning(
                    "post to connection failed", extra={"connectionId": connection_id, "error": str(exc)}
                )
        return gone

    return [connection for part in executor.map(send, slices) for connection in part]


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

    def tick(self) -> TickResult:
        result = TickResult()
        listeners = subscriptions.subscribers(self.cache, subscriptions.subscribed_symbols(self.cache))
        symbols = sorted(set(listeners) | alerts_repo.active_symbols(self.db))
        result.symbols = len(symbols)
        if not symbols:
            return result
        try:
            quotes = fetch_in_batches(self.provider, symbols)
        except (ProviderError, OSError) as exc:
            logger.warning("quote provider failed", extra={"provider": self.provider.name, "error": str(exc)})
            metrics.add_metric(name="QuoteProviderErrors", unit=MetricUnit.Count, value=1)
            result.error = str(exc)
            return result
        result.quotes = len(quotes)
        cache_quotes(self.cache, quotes.values())
        jobs: list[tuple[str, bytes]] = []
        for symbol, connections in listeners.items():
            quote = quotes.get(symbol)
            if quote is not None:
                data = json.dumps(quote.to_message(), separators=(",", ":")).encode()
                jobs.extend((connection, data) for connection in connections)
        result.gone = fan_out(jobs, self.post, self.executor, self.workers)
        result.sent = len(jobs) - len(result.gone)
        for connection in result.gone:
            disconnect(self.cache, connection)
        for fired in alerting.evaluate(self.db, quotes):
            self.deliver(fired)
            result.alerts_fired += 1
        return result

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
