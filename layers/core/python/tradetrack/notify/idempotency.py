"""Exactly-once notification work (tradetrack.idempotency), at two levels, each its own key prefix:
- the event (its eventId or content hash): a duplicate of a delivered event does no work at all;
- each channel of an event ("<key>:email"): when a later channel fails transiently the whole event
  is retried, and the channels that already went out answer from their stored result instead of
  sending again.
"""

from __future__ import annotations

from collections.abc import Callable

from tradetrack.idempotency import Idempotency as _Idempotency
from tradetrack.idempotency import Result


class Idempotency(_Idempotency):
    def event(self, key: str, work: Callable[[], Result]) -> Result:
        return self.once("notify-event", key, work)

    def channel(self, key: str, channel: str, work: Callable[[], Result]) -> Result:
        return self.once("notify-channel", f"{key}:{channel}", work)

    def remaining_ms(self) -> int | None:
        """The invocation's time left (None outside Lambda: no context)."""
        return self._remaining_ms()
