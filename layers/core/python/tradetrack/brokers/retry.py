"""Retrying broker calls: exponential backoff with full jitter, within the Lambda's remaining time.

Only errors marked `retryable` are retried (BrokerUnavailable: 5xx, timeouts, resets; and its
BrokerRateLimited, which waits at least the broker's Retry-After). A wait that would end past the
deadline is not started: the last error is raised instead, so the caller can still record it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tradetrack.brokers.base import BrokerError, BrokerRateLimited
from tradetrack.observability import logger

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # calls in all, the first included
    base_s: float = 0.25
    cap_s: float = 8.0

    def backoff_s(self, retry: int, rand: Callable[[], float]) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**retry)) for the retry-th retry (0-based)."""
        return rand() * min(self.cap_s, self.base_s * (1 << retry))


def with_retries(
    call: Callable[[], T],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    deadline: float | None = None,
    rand: Callable[[], float] = random.random,
    what: str = "broker call",
) -> T:
    """`call()`, retried per `policy`. `deadline` is a `clock()` time (monotonic) no wait may pass.

    `what` names the call in logs ("GET /orders"): never put a token or a query string in it.
    """
    attempt = 1
    while True:
        try:
            return call()
        except BrokerError as exc:
            if not exc.retryable or attempt >= policy.attempts:
                raise
            delay = policy.backoff_s(attempt - 1, rand)
            if isinstance(exc, BrokerRateLimited):
                delay = max(delay, exc.retry_after_s)
            if deadline is not None and clock() + delay >= deadline:
                logger.warning(
                    "broker call failed; no time left to retry",
                    extra={
                        "call": what,
                        "attempt": attempt,
                        "error_type": exc.error_type,
                        "status": exc.status,
                    },
                )
                raise
            logger.warning(
                "broker call failed; retrying",
                extra={
                    "call": what,
                    "attempt": attempt,
                    "delay_s": round(delay, 3),
                    "error_type": exc.error_type,
                    "status": exc.status,
                    "reason": exc.message[:200],
                },
            )
            sleep(delay)
            attempt += 1
