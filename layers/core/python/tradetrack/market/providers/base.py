"""The provider interface and batching within a provider's limits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from tradetrack.market.quote import Quote


class ProviderError(Exception):
    """The provider refused or failed a request (error_type: the provider's own error class)."""

    def __init__(self, message: str, *, error_type: str = "ProviderError", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type
        self.status = status


class ProviderRateLimited(ProviderError):
    def __init__(self, message: str, *, retry_after_s: float = 1.0, error_type: str = "RateLimited") -> None:
        super().__init__(message, error_type=error_type, status=429)
        self.retry_after_s = retry_after_s


class QuoteProvider(Protocol):
    name: str
    max_instruments_per_call: int

    def fetch(self, symbols: Sequence[str]) -> dict[str, Quote]:
        """One provider call for at most `max_instruments_per_call` symbols; unknown ones are left out."""
        ...


class Throttle:
    """At most one call per `interval_s` (a provider's requests-per-second limit), thread-safe."""

    def __init__(
        self,
        interval_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval_s = interval_s
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            if now < self._next:
                self._sleep(self._next - now)
                now = self._next
            self._next = now + self.interval_s


def fetch_in_batches(provider: QuoteProvider, symbols: Sequence[str]) -> dict[str, Quote]:
    """Quotes for all `symbols` in as few calls as the provider allows (ceil(n / per-call limit))."""
    quotes: dict[str, Quote] = {}
    size = max(1, provider.max_instruments_per_call)
    unique = list(dict.fromkeys(symbols))
    for start in range(0, len(unique), size):
        quotes.update(provider.fetch(unique[start : start + size]))
    return quotes
