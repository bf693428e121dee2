"""The sync queue's consumer (flow 3): one broker account per record, failures reported per record.

A batch's records (up to 10 accounts) are synced WORKERS at a time on threads (tradetrack.batches):
a sync mostly waits (the broker's HTTP, Mongo round trips, KMS and SQS calls), so one account's
waits overlap another's work. Everything a record touches is shared thread-safely: the SyncContext's
clients (pymongo, redis-py and boto3 clients are thread-safe; tradetrack.aws makes them under a
lock), the broker connection pool (a connection is never shared: tradetrack.brokers.connections),
the garbage collector's pause (counted: tradetrack.collector), the metrics (tradetrack.observability).
Each record's log lines carry its own account and sync (Powertools' thread-local keys, cleared after
the record). X-Ray's Lambda context keeps a segment per thread (of the invocation's trace): a
record's AWS and Mongo subsegments are recorded on its own thread, never under another's.
Two records of one account (a message delivered twice) run one after the other on one thread, as
without threads (each sync also holds the account's Redis lock against other containers).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from tradetrack.aws import aws_client
from tradetrack.batches import partial_batch_response
from tradetrack.cache.client import get_redis
from tradetrack.config import get_settings
from tradetrack.db.client import get_database
from tradetrack.observability import log_record_failures, logger, metrics, own_log_keys, tracer
from tradetrack.risk.monitor import after_sync, queue_notify
from tradetrack.sync.context import SyncContext
from tradetrack.sync.journal import open_quantities
from tradetrack.sync.messages import SyncRequest
from tradetrack.sync.worker import sync_account

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

# The sync queue's maxReceiveCount (functions/manifest.py; a test keeps the two equal): the last
# attempt tells the user the sync failed.
MAX_RECEIVES = 3
SAFETY_MS = 10_000  # stop calling the broker this long before the Lambda's own timeout
# Accounts of a batch (up to 10, functions/manifest.py) synced at once; SYNC_RECORD_WORKERS
# overrides it (1: one after another). A batch of one record runs inline on the invocation's thread.
# Measured (sync bench, 100 accounts, batches of 10, a 120 s context; 7 Dec, load 4-8, 6 rounds
# interleaved): the sync stage 5.9-7.4 s (median 6.5) at 4 against 7.5-11.3 s (median 7.9) one
# after another; 2 and 8 no better than 4. The store and this process share 2 cores: the overlap
# is bounded by their CPU (this process's ~4.2 s of the stage, the store's about as much).
WORKERS = int(os.environ.get("SYNC_RECORD_WORKERS", "4"))


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


def account_of(record: SQSRecord) -> str:
    """The account a sync request is for (records of one account run one after another)."""
    return str(json.loads(record.body)["accountId"])


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    ctx = build_context(context)

    def record_handler(record: SQSRecord) -> dict[str, Any]:
        request = SyncRequest.model_validate(json.loads(record.body))
        logger.thread_safe_append_keys(accountId=request.account_id, syncId=request.sync_id)
        attempt = int(record.attributes.approximate_receive_count or 1)
        outcome = sync_account(ctx, request, attempt=attempt, max_attempts=MAX_RECEIVES)
        if outcome.status == "success":  # the risk monitor on the synced account: alerts only (docs/risk.md)
            notify = queue_notify(ctx.sqs, ctx.settings.notifications_queue_url)
            after_sync(ctx.db, ctx.cache, request.user_id, request.account_id, notify=notify)
        logger.info(
            "sync finished", extra={"status": outcome.status, "reason": outcome.reason, "sent": outcome.sent}
        )
        return {"status": outcome.status, "sent": outcome.sent}

    handler = own_log_keys(log_record_failures(record_handler))
    return dict(partial_batch_response(event, handler, workers=WORKERS, serial_key=account_of))
