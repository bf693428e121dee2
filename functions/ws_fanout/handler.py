"""The ws-fanout queue's consumer: each record one shard of a market-feed tick, posted to its
WebSocket connections; a shard with failed posts is reported for redelivery (partial batch failure)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tradetrack.batches import partial_batch_response
from tradetrack.cache.client import get_redis
from tradetrack.config import get_settings
from tradetrack.observability import MetricUnit, log_record_failures, logger, metrics, tracer
from tradetrack.websocket.fanout import Post, Shard, deliver_shard
from tradetrack.websocket.push import management_client, post_bytes

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

# One per container (a Lambda instance) and endpoint: the pool's threads and the client's kept-alive
# connections serve every invocation it gets.
_posters: dict[tuple[str, int], tuple[Post, ThreadPoolExecutor]] = {}


def poster() -> tuple[Post, ThreadPoolExecutor]:
    settings = get_settings()
    if not settings.ws_management_endpoint:
        raise RuntimeError("WS_MANAGEMENT_ENDPOINT is required: fan-out posts to WebSocket clients")
    key = (settings.ws_management_endpoint, settings.feed_fanout_workers)
    if key not in _posters:
        client = management_client(key[0], pool_size=key[1])
        executor = ThreadPoolExecutor(max_workers=key[1], thread_name_prefix="fanout")
        _posters[key] = (lambda connection_id, data: post_bytes(client, connection_id, data)), executor
    return _posters[key]


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    cache = get_redis()
    post, executor = poster()
    totals = {"delivered": 0, "gone": 0, "stale": 0}

    def record_handler(record: SQSRecord) -> None:
        result = deliver_shard(
            cache,
            Shard.from_body(record.body),
            post,
            executor,
            workers=settings.feed_fanout_workers,
            now=time.time(),
            max_age_s=settings.feed_fanout_max_age_s,
            retried=int(record.attributes.approximate_receive_count or 1) > 1,
        )
        totals["delivered"] += result.delivered
        totals["gone"] += result.gone
        totals["stale"] += int(result.stale)

    response = partial_batch_response(event, log_record_failures(record_handler))
    metrics.add_metric(name="QuotesSent", unit=MetricUnit.Count, value=totals["delivered"])
    if totals["stale"]:
        metrics.add_metric(name="FanoutShardsStale", unit=MetricUnit.Count, value=totals["stale"])
    logger.info("fan-out done", extra={"records": len(event.get("Records", [])), **totals})
    return dict(response)
