"""The market feed (EventBridge, every minute): quotes → Redis → WebSocket clients, and price alerts."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from tradetrack.aws import aws_client
from tradetrack.cache.client import get_redis
from tradetrack.config import get_settings
from tradetrack.db.client import get_database
from tradetrack.market.feed import Feed, management_post, now_utc, planned_ticks, run
from tradetrack.market.providers.factory import get_provider
from tradetrack.observability import MetricUnit, logger, metrics, tracer

_executor: ThreadPoolExecutor | None = None


def executor(workers: int) -> ThreadPoolExecutor:
    global _executor  # noqa: PLW0603 - one pool per container, reused by every tick
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fanout")
    return _executor


def build_feed() -> Feed:
    settings = get_settings()
    if not settings.ws_management_endpoint:
        raise RuntimeError("WS_MANAGEMENT_ENDPOINT is required: the feed posts to WebSocket clients")
    client = aws_client("apigatewaymanagementapi", endpoint_url=settings.ws_management_endpoint)
    return Feed(
        cache=get_redis(),
        db=get_database(),
        provider=get_provider(),
        post=management_post(client),
        executor=executor(settings.feed_fanout_workers),
        workers=settings.feed_fanout_workers,
        notifications_queue_url=settings.notifications_queue_url,
    )


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    ticks = planned_ticks(
        now_utc(),
        window_s=settings.feed_window_s,
        interval_s=settings.feed_tick_interval_s,
        fixed=settings.feed_ticks,
    )
    results = run(
        build_feed(),
        ticks=ticks,
        interval_s=settings.feed_tick_interval_s,
        remaining_ms=context.get_remaining_time_in_millis,
    )
    sent = sum(r.sent for r in results)
    fired = sum(r.alerts_fired for r in results)
    gone = sum(len(r.gone) for r in results)
    metrics.add_metric(name="QuotesSent", unit=MetricUnit.Count, value=sent)
    metrics.add_metric(name="AlertsFired", unit=MetricUnit.Count, value=fired)
    logger.info(
        "feed invocation done", extra={"ticks": len(results), "sent": sent, "gone": gone, "alerts": fired}
    )
    return {"ticks": len(results), "sent": sent, "gone": gone, "alertsFired": fired}
