"""Helpers for the broker client tests: the recorded fixtures, a fake clock, a recording gate."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from tradetrack.brokers.base import RequestClass

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "brokers"


def fixture_bytes(broker: str, name: str) -> bytes:
    """A fixture file as sent on the wire (exact number text)."""
    return (FIXTURES / broker / name).read_bytes()


def fixture_json(broker: str, name: str) -> Any:
    return json.loads(fixture_bytes(broker, name), parse_float=Decimal)


class FakeClock:
    """A monotonic clock that only moves when slept on; records every sleep."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class GateLog:
    """A RequestGate that admits everything and records the class of each request."""

    def __init__(self) -> None:
        self.classes: list[RequestClass] = []

    def __call__(self, kind: RequestClass) -> None:
        self.classes.append(kind)


def stubbed(url: str, now: datetime, **overrides: Any) -> dict[str, Any]:
    """A client's keyword arguments on a stub at `url`: its clock at `now`, retry waits recorded on a
    FakeClock (not slept), jitter fixed at half; `overrides` win."""
    fake = FakeClock()
    options: dict[str, Any] = {
        "base_url": url,
        "sleep": fake.sleep,
        "clock": fake,
        "now": lambda: now,
        "rand": lambda: 0.5,
    }
    return {**options, **overrides}
