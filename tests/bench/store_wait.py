"""Seconds during which a Mongo command was in flight, for a bench that splits its time between its
own work and the store's (tests/bench/test_sync_bench.py)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from tests.conftest import QUERY_SHAPES


class StoreWait:
    """Seconds during which a Mongo command was in flight (from its start to its reply, as the
    driver reports them; overlapping commands of concurrent threads count once), while `on`."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.commands = 0
        self.on = False
        self._lock = threading.Lock()
        self._in_flight = 0
        self._since = 0.0

    def reset(self) -> None:
        """Counts from zero again (a bench's next round)."""
        with self._lock:
            self.seconds = 0.0
            self.commands = 0

    def started(self, event: Any) -> None:
        with self._lock:
            if self._in_flight == 0:
                self._since = time.perf_counter()
            self._in_flight += 1

    def ended(self, event: Any) -> None:
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)
            if self.on:
                self.commands += 1
                if self._in_flight == 0:
                    self.seconds += time.perf_counter() - self._since


@pytest.fixture(name="store_wait")
def store_wait_fixture(monkeypatch: pytest.MonkeyPatch) -> StoreWait:
    """The suite's client reports every command to QUERY_SHAPES: its `started`, `succeeded` and
    `failed` also tell StoreWait."""
    wait = StoreWait()
    for name, hook in (("started", wait.started), ("succeeded", wait.ended), ("failed", wait.ended)):
        original = getattr(QUERY_SHAPES, name)

        def timed(event: Any, original: Any = original, hook: Any = hook) -> None:
            hook(event)
            original(event)

        monkeypatch.setattr(QUERY_SHAPES, name, timed)
    return wait
