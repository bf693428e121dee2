"""SQS partial batch responses (ReportBatchItemFailures) for every queue consumer (sync_worker,
reports, import_worker, notifier, ws_fanout, attachment_worker).

`partial_batch_response(event, record_handler)` calls `record_handler` on each record of an SQS
event, as Powertools' `process_partial_response` with `BatchProcessor(EventType.SQS,
raise_on_entire_batch_failure=False)` did, and answers `{"batchItemFailures": [...]}` with the
message id of each record whose handler raised: SQS redelivers those alone (then the DLQ), the
others are deleted. A batch where every record failed is answered the same way, not raised; an event without
records is refused (ValueError).
It exists for cold starts: importing Powertools' batch package builds the Parser's pydantic models
(Kafka, Kinesis, DynamoDB, CloudWatch, SQS) for a type alias, ~100 million instructions (~20 ms) of
each consumer's init (docs/performance.md, "Cold start"); the loop itself is this small.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

BatchResponse = dict[str, list[dict[str, str]]]


def partial_batch_response(
    event: Mapping[str, Any], record_handler: Callable[[SQSRecord], Any]
) -> BatchResponse:
    """Each record to `record_handler`; the ids of those it raised on, for SQS to deliver again."""
    records = event.get("Records")
    if (
        not isinstance(records, list) or not records
    ):  # SQS never sends an empty batch; Powertools refused one too
        raise ValueError("not an SQS event: no Records")
    failures: list[dict[str, str]] = []
    for raw in records:
        record = SQSRecord(raw)
        try:
            record_handler(record)
        except Exception:  # a failed record goes back to SQS (the caller's wrapper logs it)
            failures.append({"itemIdentifier": record.message_id})
    return {"batchItemFailures": failures}
