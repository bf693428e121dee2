"""tradetrack.batches: the SQS consumers' partial batch response, record by record."""

from __future__ import annotations

from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from tradetrack.batches import partial_batch_response


def sqs_event(*bodies: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m-{i}",
                "receiptHandle": f"r-{i}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:ap-south-1:000000000000:q",
                "awsRegion": "ap-south-1",
            }
            for i, body in enumerate(bodies)
        ]
    }


def fail_on_bad(record: SQSRecord) -> str:
    if record.body == "bad":
        raise RuntimeError("cannot handle this one")
    return record.body


def test_the_records_whose_handler_raised_are_returned_for_sqs_to_redeliver() -> None:
    # Given a batch of four, two of them failing
    seen: list[str] = []

    def handler(record: SQSRecord) -> str:
        seen.append(record.body)
        return fail_on_bad(record)

    # When it is consumed
    response = partial_batch_response(sqs_event("a", "bad", "c", "bad"), handler)
    # Then every record was handled, and the failing ones alone are reported by message id
    assert seen == ["a", "bad", "c", "bad"]
    assert response == {"batchItemFailures": [{"itemIdentifier": "m-1"}, {"itemIdentifier": "m-3"}]}


def test_a_batch_that_failed_whole_is_reported_not_raised() -> None:
    # Given a batch whose every record fails
    # When it is consumed
    failed = partial_batch_response(sqs_event("bad", "bad"), fail_on_bad)
    # Then both records are listed for redelivery
    assert failed == {"batchItemFailures": [{"itemIdentifier": "m-0"}, {"itemIdentifier": "m-1"}]}


@pytest.mark.parametrize("event", [{"httpMethod": "GET"}, {"Records": []}, {"Records": "x"}])
def test_an_event_that_is_not_an_sqs_batch_is_refused(event: dict[str, Any]) -> None:
    # Given an event without records (API Gateway's; an empty batch, which SQS never sends)
    # When it is consumed
    # Then it is refused instead of answered as a batch without failures
    with pytest.raises(ValueError, match="Records"):
        partial_batch_response(event, fail_on_bad)


@pytest.mark.parametrize("bodies", [("a", "b"), ("a", "bad", "c"), ("bad", "bad"), ("a",)])
def test_the_response_is_the_one_powertools_batch_processor_gave(bodies: tuple[str, ...]) -> None:
    # Given a batch the consumers' former Powertools set-up also answers
    event = sqs_event(*bodies)
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    # When both consume it
    expected = process_partial_response(event=event, record_handler=fail_on_bad, processor=processor)
    # Then they answer SQS the same
    assert partial_batch_response(event, fail_on_bad) == expected
