"""Live events from the API's own writes: a manual fill or an annotation changed trades, so the
user's other tabs and devices hear it (a `trades` frame, docs/websocket.md).

Best effort on the request path: one SendMessage to the notifications queue after the write is
done; a failure is logged and counted, never turns the request into an error.
"""

from __future__ import annotations

from collections.abc import Iterable

from tradetrack.aws import aws_client
from tradetrack.config import get_settings
from tradetrack.notify.events import TradeSource, to_body, trades_changed
from tradetrack.observability import MetricUnit, logger, metrics


def announce_trades_changed(user_id: str, source: TradeSource, trade_ids: Iterable[str]) -> None:
    ids = list(trade_ids)
    if not ids:
        return
    body = to_body(trades_changed(user_id, source, ids))
    queue_url = get_settings().notifications_queue_url
    if not queue_url:
        logger.info("live event (no queue configured)", extra={"notification": body})
        return
    try:
        aws_client("sqs").send_message(QueueUrl=queue_url, MessageBody=body)
    except Exception as exc:  # the write is done: a lost live event costs a refresh, not data
        logger.warning("live event not sent", extra={"error": str(exc)})
        metrics.add_metric(name="LiveEventsLost", unit=MetricUnit.Count, value=1)
