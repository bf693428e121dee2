"""The daily summary (EventBridge cron, 16:00 IST Mon–Fri): daily_summary events onto the queue."""

from __future__ import annotations

from typing import Any

from tradetrack.aws import aws_client
from tradetrack.config import get_settings
from tradetrack.db.client import get_database
from tradetrack.notify.summary import run
from tradetrack.observability import MetricUnit, logger, metrics, tracer
from tradetrack.timeutil import scheduled_time

from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    now = scheduled_time(event)
    result = run(get_database(), aws_client("sqs"), get_settings().notifications_queue_url, now)
    metrics.add_metric(name="DailySummariesQueued", unit=MetricUnit.Count, value=len(result.events))
    logger.info(
        "daily summary run",
        extra={"day": result.day.isoformat(), "skipped": result.skipped, "users": result.users},
    )
    return {
        "day": result.day.isoformat(),
        "skipped": result.skipped,
        "users": result.users,
        "queued": len(result.events),
    }
