"""The imports queue's consumer: an uploaded import stored in batches (tradetrack.imports.jobs).

One message, one import ({"importId", "userId"}). A run stops between batches when the
invocation's time runs low, and queues the import again to continue from its checkpoint; a run
that fails (the store down) leaves the message to SQS, whose redelivery resumes the same way. A
redelivery of a finished import does nothing. When the import finishes, the user's WebSocket
connections get an "import" frame.
"""

from __future__ import annotations

import json
from typing import Any

from tradetrack.aws import aws_client
from tradetrack.batches import partial_batch_response
from tradetrack.cache.client import get_redis
from tradetrack.config import get_settings
from tradetrack.db.client import get_database
from tradetrack.imports.jobs import WorkerDeps, run_import
from tradetrack.imports.status import finished_frame
from tradetrack.market.subscriptions import user_connections
from tradetrack.notify.events import live_frame, trades_changed
from tradetrack.observability import log_record_failures, logger, metrics, tracer
from tradetrack.queues import queue_sender
from tradetrack.websocket.push import post_to_connection

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

# Stop this long before the function's timeout: a batch on a slow store takes seconds.
STOP_MARGIN_MS = 60_000


def _post(user_id: str, frame: dict[str, Any]) -> None:
    endpoint = get_settings().ws_management_endpoint
    if not endpoint:
        return
    for connection in sorted(user_connections(get_redis(), user_id)):
        post_to_connection(endpoint, connection, frame)


def _push(doc: dict[str, Any]) -> None:
    _post(doc["userId"], finished_frame(doc))


def _trades_changed(user_id: str, trade_ids: list[str]) -> None:
    _post(user_id, live_frame(trades_changed(user_id, "import", trade_ids)))


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    deps = WorkerDeps(
        db=get_database(),
        cache=get_redis(),
        s3=aws_client("s3"),
        bucket=settings.imports_bucket,
        batch_rows=settings.import_batch_rows,
        should_stop=lambda: context.get_remaining_time_in_millis() < STOP_MARGIN_MS,
        finished=_push,
        trades_changed=_trades_changed,
    )

    def record_handler(record: SQSRecord) -> str:
        message = json.loads(record.body)
        import_id = str(message["importId"])
        outcome = run_import(deps, import_id)
        if outcome == "paused":  # out of time: continue in a new invocation from the checkpoint
            queue_sender(aws_client("sqs"), settings.imports_queue_url)(record.body)
        logger.info("import run", extra={"importId": import_id, "outcome": outcome})
        return outcome

    return dict(partial_batch_response(event, log_record_failures(record_handler)))
