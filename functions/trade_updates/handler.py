"""The trade-updates queue's consumer: new executions in, trades re-derived, confirmations out.

A batch is applied together (tradetrack.sync.updates.apply_trade_updates: per user one insert and
one recompute, users on threads; the confirmations announced together); each message is still
processed once per its key (account, sync, part) through Powertools Idempotency on Redis, a
redelivery of a completed message answering from the stored result, and fails alone (partial
batch response).
"""

from __future__ import annotations

from typing import Any

from tradetrack.aws import aws_client
from tradetrack.batches import partial_batch_response
from tradetrack.cache.client import get_redis
from tradetrack.config import get_settings
from tradetrack.db.client import get_database
from tradetrack.idempotency import Idempotency, Outcome
from tradetrack.notify.events import NotificationEvent
from tradetrack.observability import MetricUnit, log_record_failures, logger, metrics, tracer
from tradetrack.sync.messages import TradeUpdate
from tradetrack.sync.notices import publish
from tradetrack.sync.updates import apply_trade_updates

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

IDEMPOTENCY_TTL_S = 14 * 86_400  # as long as the DLQ keeps a message
SEND_WORKERS = 4  # a batch's confirmations: up to 2,000, SendMessageBatch calls 4 at a time


def _parse(body: str) -> TradeUpdate | Exception:
    try:
        return TradeUpdate.model_validate_json(body)  # JSON parsed in pydantic-core, not json.loads
    except ValueError as exc:  # pydantic's ValidationError, which reports invalid JSON too
        return exc


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    db, cache, settings = get_database(), get_redis(), get_settings()
    once = Idempotency(cache, ttl_s=IDEMPOTENCY_TTL_S, context=context)
    parsed = {record["messageId"]: _parse(record["body"]) for record in event.get("Records", [])}
    updates = {u.key: u for u in parsed.values() if isinstance(u, TradeUpdate)}

    def announce(events: list[NotificationEvent]) -> None:
        publish(aws_client("sqs"), settings.notifications_queue_url, events, workers=SEND_WORKERS)

    def work(keys: list[str]) -> dict[str, Outcome]:
        applied = apply_trade_updates(db, cache, [updates[key] for key in keys], announce=announce)
        inserted = sum(a.inserted for a in applied.values() if not isinstance(a, Exception))
        metrics.add_metric(name="ExecutionsInserted", unit=MetricUnit.Count, value=inserted)
        return {key: a if isinstance(a, Exception) else a.summary() for key, a in applied.items()}

    outcomes = once.once_each("trade-update", list(updates), work)

    def record_handler(record: SQSRecord) -> dict[str, Any]:
        update = parsed[record.message_id]
        if isinstance(update, Exception):
            raise update
        outcome = outcomes[update.key]
        if isinstance(outcome, Exception):
            raise outcome
        logger.info("trade update applied", extra={"key": update.key, **outcome})
        return outcome

    return dict(partial_batch_response(event, log_record_failures(record_handler)))
