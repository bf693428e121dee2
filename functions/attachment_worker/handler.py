"""The attachments queue's consumer (docs/attachments.md): one message, one upload sniffed, cleaned
of its metadata, thumbnailed and stored, or rejected (tradetrack.attachments.service.process_upload,
idempotent); a failed record goes back to SQS alone (tradetrack.batches). Pillow comes from
the images layer, which only this function carries."""

from __future__ import annotations

import json
from typing import Any

from tradetrack.attachments.service import WorkerDeps, default_storage, process_upload
from tradetrack.attachments.thumbnails import thumbnail
from tradetrack.batches import partial_batch_response
from tradetrack.db.client import get_database
from tradetrack.observability import log_record_failures, logger, metrics, tracer

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps = WorkerDeps(get_database(), default_storage(), thumbnail)

    def record_handler(record: SQSRecord) -> str:
        attachment_id = str(json.loads(record.body)["attachmentId"])
        outcome = process_upload(deps, attachment_id)
        logger.info("attachment processed", extra={"attachmentId": attachment_id, "outcome": outcome})
        return outcome

    return dict(partial_batch_response(event, log_record_failures(record_handler)))
