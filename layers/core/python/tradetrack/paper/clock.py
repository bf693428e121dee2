"""What every paper module shares: the clock (injected by tests) and the journal source of a fill."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tradetrack.models.executions import Source

Document = dict[str, Any]
Clock = Callable[[], datetime]
SOURCE: Source = "paper"


def utc_now() -> datetime:
    return datetime.now(UTC)
