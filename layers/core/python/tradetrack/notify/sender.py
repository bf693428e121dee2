"""Queueing notification events: what the producers outside the notifier use (the sync pipeline's
events, the risk monitor's violations, paper events, report_ready, the API's live trades_changed;
price alerts still send their own JSON, tradetrack.market.alerting.publish_event).

`send_events` puts the events' bodies (`to_body`) on the notifications queue, packed into as few
messages as fit (tradetrack.notify.envelope: up to 25 events a message), SendMessageBatch through
tradetrack.queues.send_all; a stage without notifications (no queue URL configured: the
tests, a bare local run) logs each event instead. A failure to send raises, so the caller's retry
covers it, unless the caller names a `lost_metric`: then the events are best effort (the write they
tell of is done, a lost one costs the user a refresh, not data), and a failure is logged and counted
under that metric instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tradetrack.notify.envelope import pack
from tradetrack.notify.events import NotificationEvent, to_body
from tradetrack.observability import MetricUnit, logger, metrics
from tradetrack.queues import send_all


def send_events(
    queue_url: str | None,
    events: Sequence[NotificationEvent],
    *,
    what: str,
    sqs: Any = None,
    workers: int = 1,
    lost_metric: str | None = None,
) -> int:
    """`events` on the queue at `queue_url`, in envelopes (`workers` batches at a time; `sqs`
    defaults to the container's client, made only when something is sent); without a queue, each is
    logged as "`what` (no notifications queue configured)". Returns how many events were queued."""
    if not events:
        return 0
    bodies = [to_body(event) for event in events]
    if not queue_url:
        for body in bodies:
            logger.info(f"{what} (no notifications queue configured)", extra={"notification": body})
        return 0
    if sqs is None:
        from tradetrack.aws import aws_client

        sqs = aws_client("sqs")
    messages = pack(bodies)
    if lost_metric is None:
        send_all(sqs, queue_url, messages, workers=workers)
        return len(bodies)
    try:
        send_all(sqs, queue_url, messages, workers=workers)
    except Exception as exc:  # best effort: the caller's write is done
        logger.warning(f"{what} not sent", extra={"error": str(exc), "events": len(bodies)})
        metrics.add_metric(name=lost_metric, unit=MetricUnit.Count, value=len(bodies))
        return 0
    return len(bodies)


def event_sender(queue_url: str | None, *, what: str, sqs: Any = None) -> Callable[[NotificationEvent], None]:
    """`send_events` one event at a time (failures raise): what a service is handed as its `notify`."""

    def send(event: NotificationEvent) -> None:
        send_events(queue_url, [event], what=what, sqs=sqs)

    return send
