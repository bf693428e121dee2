"""Each broker's request limits, shared by every container through Redis token buckets.

Kite Connect: 10 requests/s for everything but quotes (1/s). Upstox v2: 50 requests/s. The bucket
is per broker app (API key): that is what the brokers count. The simulated broker is local.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

import redis

from tradetrack.brokers.base import BrokerRateLimited, RequestClass, RequestGate
from tradetrack.cache.rate_limit import Limit, take_or_wait_ms
from tradetrack.observability import logger

LIMITS: dict[str, dict[RequestClass, Limit]] = {
    "zerodha": {
        "general": Limit("kite-general", capacity=10, per_seconds=1),
        "order": Limit("kite-order", capacity=10, per_seconds=1),
        "quote": Limit("kite-quote", capacity=1, per_seconds=1),
    },
    "upstox": {
        "general": Limit("upstox-general", capacity=50, per_seconds=1),
        "order": Limit("upstox-order", capacity=50, per_seconds=1),
        "quote": Limit("upstox-quote", capacity=50, per_seconds=1),
    },
    "simulated": {
        "general": Limit("sim-general", capacity=500, per_seconds=1),
        "order": Limit("sim-order", capacity=500, per_seconds=1),
        "quote": Limit("sim-quote", capacity=50, per_seconds=1),
    },
}


def redis_gate(
    cache: redis.Redis,
    broker: str,
    api_key: str,
    *,
    deadline: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> RequestGate:
    """A gate that waits for the broker app's bucket; past `deadline` it gives up (BrokerRateLimited).
    Without Redis it admits the request: the broker's own 429 and our retries are the fallback."""
    subject = hashlib.sha256(f"{broker}:{api_key}".encode()).hexdigest()[:20]
    limits = LIMITS[broker]

    def gate(kind: RequestClass) -> None:
        limit = limits[kind]
        while True:
            try:
                wait_ms = take_or_wait_ms(cache, limit, subject)
            except redis.exceptions.RedisError as exc:
                logger.warning("broker rate limiter unavailable", extra={"broker": broker, "error": str(exc)})
                return
            if wait_ms == 0:
                return
            if deadline is not None and clock() + wait_ms / 1000 > deadline:
                raise BrokerRateLimited(
                    f"{broker} rate limit: no request slot before the deadline", retry_after_s=wait_ms / 1000
                )
            sleep(wait_ms / 1000)

    return gate
