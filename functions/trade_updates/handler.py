"""The trade-updates queue's consumer: new executions in, trades re-derived, confirmations out.

Each message is processed once per its key (account, sync, part) through Powertools Idempotency
on Redis; a redelivery of a completed message answers from the stored result.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from tradetrack.aws import aws_client
from tradetrack.cache.client import get_redis
from tradetrack.config import get_settings
from tradetrack.db.client import get_database
from tradetrack.idempotency import Idempotency
from tradetrack.observability import MetricUnit, log_record_failures, logger, metrics, tracer
from tradetrack.sync.messages import TradeUpdate
from tradetrack.sync.notices import publish
from tradetrack.sync.updates import apply_trade_update

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
IDEMPOTENCY_TTL_S = 14 * 86_400  # as long as the DLQ keeps a message


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    db, cache, settings = get_database(), get_redis(), get_settings()
    once = Idempotency(cache, ttl_s=IDEMPOTENCY_TTL_S, context=context)

    def record_handler(record: SQSRecord) -> dict[str, Any]:
        update = TradeUpdate.model_validate(json.loads(record.body))

        def work() -> dict[str, Any]:
            applied = apply_trade_update(db, cache, update)
            publish(aws_client("sqs"), settings.notifications_queue_url, applied.confirmations)
            metrics.add_metric(name="ExecutionsInserted", unit=MetricUnit.Count, value=applied.inserted)
            return applied.summary()

        result = once.once("trade-update", update.key, work)
        logger.info("trade update applied", extra={"key": update.key, **result})
        return result

    response = process_partial_response(
        event=event, record_handler=log_record_failures(record_handler), processor=processor, context=context
    )
    return dict(response)
