"""The sync queue's consumer (flow 3): one broker account per record, failures reported per record."""

from __future__ import annotations

import json
import time
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from tradetrack.aws import aws_client
from tradetrack.batches import partial_batch_response
from tradetrack.cache.client import get_redis
from tradetrack.config import get_settings
from tradetrack.db.client import get_database
from tradetrack.observability import log_record_failures, logger, metrics, tracer
from tradetrack.risk.monitor import after_sync, queue_notify
from tradetrack.sync.journal import open_quantities
from tradetrack.sync.messages import SyncRequest
from tradetrack.sync.worker import SyncContext, sync_account

# The sync queue's maxReceiveCount (functions/manifest.py; a test keeps the two equal): the last
# attempt tells the user the sync failed.
MAX_RECEIVES = 3
SAFETY_MS = 10_000  # stop calling the broker this long before the Lambda's own timeout


def build_context(context: LambdaContext) -> SyncContext:
    remaining_ms = context.get_remaining_time_in_millis() if context else 60_000
    return SyncContext(
        db=get_database(),
        cache=get_redis(),
        kms=aws_client("kms"),
        sqs=aws_client("sqs"),
        settings=get_settings(),
        open_quantities=open_quantities,
        deadline=time.monotonic() + max(1_000, remaining_ms - SAFETY_MS) / 1000,
    )


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    ctx = build_context(context)

    def record_handler(record: SQSRecord) -> dict[str, Any]:
        request = SyncRequest.model_validate(json.loads(record.body))
        logger.append_keys(accountId=request.account_id, syncId=request.sync_id)
        attempt = int(record.attributes.approximate_receive_count or 1)
        outcome = sync_account(ctx, request, attempt=attempt, max_attempts=MAX_RECEIVES)
        if outcome.status == "success":  # the risk monitor on the synced account: alerts only (docs/risk.md)
            notify = queue_notify(ctx.sqs, ctx.settings.notifications_queue_url)
            after_sync(ctx.db, ctx.cache, request.user_id, request.account_id, notify=notify)
        logger.info(
            "sync finished", extra={"status": outcome.status, "reason": outcome.reason, "sent": outcome.sent}
        )
        return {"status": outcome.status, "sent": outcome.sent}

    return dict(partial_batch_response(event, log_record_failures(record_handler)))
