"""Notification events the sync pipeline produces (shapes in tradetrack.notify.events)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tradetrack.notify.events import NotificationEvent, to_body
from tradetrack.observability import logger
from tradetrack.queues import send_all


def publish(sqs: Any, queue_url: str, events: Sequence[NotificationEvent], *, workers: int = 1) -> None:
    """To the notifications queue (SendMessageBatch, `workers` of them at a time); without one (a
    stage without notifications) they are logged."""
    if not events:
        return
    if not queue_url:
        for event in events:
            logger.info("notification event (no queue configured)", extra={"notification": to_body(event)})
        return
    send_all(sqs, queue_url, [to_body(event) for event in events], workers=workers)
