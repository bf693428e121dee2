"""The sync scheduler (EventBridge rate(5 minutes)): one sync request per due account onto the queue."""

from __future__ import annotations

from typing import Any

from tradetrack.aws import aws_client
from tradetrack.config import get_settings
from tradetrack.db.client import get_database
from tradetrack.observability import MetricUnit, logger, metrics, tracer
from tradetrack.sync.scheduler import run_scheduler
from tradetrack.timeutil import scheduled_time

from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    now = scheduled_time(event)
    settings = get_settings()
    run = run_scheduler(
        get_database(),
        aws_client("sqs"),
        sync_queue_url=settings.sync_queue_url,
        notifications_queue_url=settings.notifications_queue_url,
        now=now,
        interval_s=settings.sync_interval_s,
    )
    metrics.add_metric(name="SyncsScheduled", unit=MetricUnit.Count, value=run.sent)
    metrics.add_metric(name="BrokerLoginsExpired", unit=MetricUnit.Count, value=run.expired)
    return dict(run.__dict__)
