"""The market feed (EventBridge, every minute): quotes → Redis → WebSocket clients, price alerts, and
paper trading's pass and risk monitor; its second rule (task `paper-reconcile`, weekdays 15:45 IST)
reconciles every paper account."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tradetrack.aws import aws_client
from tradetrack.cache.client import get_redis
from tradetrack.config import get_settings
from tradetrack.db.client import get_database
from tradetrack.market.feed import Feed, management_post, now_utc, planned_ticks, run
from tradetrack.market.providers.factory import get_provider
from tradetrack.observability import MetricUnit, logger, metrics, tracer
from tradetrack.paper.events import Events
from tradetrack.paper.feed import feed_pass
from tradetrack.paper.notices import queue_sink
from tradetrack.paper.reconcile import reconcile_all
from tradetrack.risk.monitor import monitor_paper, queue_notify
from tradetrack.risk_accounts import paper_square_off
from tradetrack.websocket.fanout import SqsShardQueue
from tradetrack.websocket.push import management_client

from aws_lambda_powertools.utilities.typing import LambdaContext

PAPER_RECONCILE = "paper-reconcile"  # the manifest's Schedule task of the full reconciliation
_executor: ThreadPoolExecutor | None = None
_management: dict[tuple[str, int], Any] = {}


def executor(workers: int) -> ThreadPoolExecutor:
    global _executor  # noqa: PLW0603 - one pool per container, reused by every tick
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fanout")
    return _executor


def management(endpoint: str, workers: int) -> Any:
    """One client (its kept-alive connections) per container and endpoint."""
    if (endpoint, workers) not in _management:
        _management[(endpoint, workers)] = management_client(endpoint, pool_size=workers)
    return _management[(endpoint, workers)]


def build_feed() -> Feed:
    settings = get_settings()
    if not settings.ws_management_endpoint:
        raise RuntimeError("WS_MANAGEMENT_ENDPOINT is required: the feed posts to WebSocket clients")
    client = management(settings.ws_management_endpoint, settings.feed_fanout_workers)
    return Feed(
        cache=get_redis(),
        db=get_database(),
        provider=get_provider(),
        post=management_post(client),
        executor=executor(settings.feed_fanout_workers),
        workers=settings.feed_fanout_workers,
        notifications_queue_url=settings.notifications_queue_url,
        shard_queue=(
            SqsShardQueue(aws_client("sqs"), settings.ws_fanout_queue_url)
            if settings.ws_fanout_queue_url
            else None
        ),
        shard_size=settings.feed_fanout_shard_size,
    )


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("task") == PAPER_RECONCILE:  # its second rule: every paper account, after the close
        done = reconcile_all(get_database())
        return {"task": PAPER_RECONCILE, "accounts": done.accounts, "drifted": len(done.drifted)}
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
    # Paper trading's pass at this invocation's quotes: stops, fills, expiry, the 15:20 MIS square-off,
    # reconciliation of the accounts it touched, their events (docs/paper.md)
    db, cache = get_database(), get_redis()
    paper = feed_pass(
        db, cache, get_provider(), events=Events(queue_sink(db, settings.notifications_queue_url))
    )
    metrics.add_metric(name="PaperFills", unit=MetricUnit.Count, value=paper.fills)
    metrics.add_metric(name="PaperSquaredOff", unit=MetricUnit.Count, value=paper.squared_off)
    # The risk monitor over paper accounts at these quotes: violations, the daily-loss square-off
    sink = queue_sink(db, settings.notifications_queue_url)
    notify = queue_notify(aws_client("sqs"), settings.notifications_queue_url)
    monitor_paper(db, cache, notify=notify, square_off=paper_square_off(db, cache, sink=sink))
    paper_fills = paper.fills
    sent = sum(r.sent for r in results)
    queued = sum(r.queued for r in results)
    fired = sum(r.alerts_fired for r in results)
    gone = sum(len(r.gone) for r in results)
    metrics.add_metric(name="QuotesSent", unit=MetricUnit.Count, value=sent)
    metrics.add_metric(name="QuotesQueued", unit=MetricUnit.Count, value=queued)
    metrics.add_metric(name="AlertsFired", unit=MetricUnit.Count, value=fired)
    logger.info(
        "feed invocation done",
        extra={"ticks": len(results), "sent": sent, "queued": queued, "gone": gone, "alerts": fired},
    )
    return {
        "ticks": len(results),
        "sent": sent,
        "queued": queued,
        "gone": gone,
        "alertsFired": fired,
        "paperFills": paper_fills,
    }
