"""The notifications queue's consumer (flow 6): each record one event or an envelope of up to 25
(tradetrack.notify.envelope), failures reported per record.

The batch is delivered together (tradetrack.notify.batch: bulk inbox writes, sends on a small
thread pool); each event still exactly once, and a failing one fails its record alone (its
redelivery skips the record's events that succeeded)."""

from __future__ import annotations

from typing import Any

from tradetrack.aws import aws_client
from tradetrack.batches import partial_batch_response
from tradetrack.cache.client import get_redis
from tradetrack.config import get_settings
from tradetrack.db.client import get_database
from tradetrack.notify.batch import handle_batch
from tradetrack.notify.idempotency import Idempotency
from tradetrack.notify.service import Notifier
from tradetrack.observability import log_record_failures, logger, metrics, tracer
from tradetrack.websocket.push import post_bytes

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext


def build_notifier(context: LambdaContext | None) -> Notifier:
    settings = get_settings()
    cache = get_redis()
    post = None
    if settings.ws_management_endpoint:
        management = aws_client("apigatewaymanagementapi", endpoint_url=settings.ws_management_endpoint)

        def post(connection_id: str, data: bytes) -> bool:
            return post_bytes(management, connection_id, data)

    return Notifier(
        db=get_database(),
        cache=cache,
        settings=settings,
        idempotency=Idempotency(cache, ttl_s=settings.notify_idempotency_ttl_s, context=context),
        ses=aws_client("sesv2"),
        sns=aws_client("sns"),
        post=post,
    )


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records", [])
    results = handle_batch(build_notifier(context), [record["body"] for record in records])
    outcomes = dict(zip((record["messageId"] for record in records), results, strict=True))

    def record_handler(record: SQSRecord) -> dict[str, Any]:
        outcome = outcomes[record.message_id]
        if isinstance(outcome, Exception):
            raise outcome
        return dict(outcome)

    return dict(partial_batch_response(event, log_record_failures(record_handler)))
