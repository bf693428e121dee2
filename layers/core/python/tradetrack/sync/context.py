"""What a sync runs with and what it returns (tradetrack.sync.worker): the clients and settings of
its invocation, and its outcome."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import redis
from pymongo.database import Database

from tradetrack.brokers import factory
from tradetrack.brokers.apps import BrokerApp
from tradetrack.brokers.base import Broker
from tradetrack.brokers.registry import broker_app
from tradetrack.config import Settings
from tradetrack.notify.events import NotificationEvent

Document = dict[str, Any]
Status = Literal["success", "skipped", "needs_login", "failed"]
SessionFactory = Callable[..., Broker]
OpenQuantities = Callable[[Database[Document], str, str, Sequence[str]], Mapping[str, int]]


class SyncRetry(Exception):
    """A retryable failure: the sync request goes back to the queue."""


@dataclass
class SyncContext:
    db: Database[Document]
    cache: redis.Redis
    kms: Any
    sqs: Any
    settings: Settings
    open_quantities: OpenQuantities
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    deadline: float | None = None  # time.monotonic() by which the work must stop (Lambda time left)
    session: SessionFactory = factory.session
    app: Callable[[str], BrokerApp] = broker_app


@dataclass
class SyncOutcome:
    sync_id: str
    status: Status
    reason: str | None = None
    fetched: int = 0
    sent: int = 0
    duplicates: int = 0
    events: list[NotificationEvent] = field(default_factory=list)
