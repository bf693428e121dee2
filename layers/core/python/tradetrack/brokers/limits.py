"""Each broker's request limits (its registry row's `rate_limits`), shared by every container
through Redis token buckets.

The bucket is per broker app (API key): that is what the brokers count.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping

import redis

from tradetrack.brokers.base import BrokerRateLimited, RequestClass, RequestGate
from tradetrack.brokers.registry import spec
from tradetrack.cache.rate_limit import Limit, take_or_wait_ms
from tradetrack.observability import logger


def limits_of(broker: str) -> Mapping[RequestClass, Limit]:
    """The token buckets of `broker` (Redis keys named after the broker and request class)."""
    return {
        kind: Limit(f"{broker}-{kind}", capacity=rate.capacity, per_seconds=rate.per_seconds)
        for kind, rate in spec(broker).rate_limits.items()
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
    limits = limits_of(broker)

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
