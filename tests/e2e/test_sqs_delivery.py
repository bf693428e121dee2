"""SQS delivery: partial batch failures are redelivered, poison messages end in the DLQ."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from local.aws import dlq_name
from tests.e2e.conftest import RunningStack
from tests.e2e.doubles import MAX_RECEIVE_COUNT, TEST_QUEUE, wait_until

pytestmark = pytest.mark.e2e


def _seen(running: RunningStack, tag: str) -> list[dict[str, Any]]:
    return [r for r in running.sqs_seen.snapshot() if json.loads(r["body"])["tag"] == tag]


def _counts(records: list[dict[str, Any]]) -> dict[str, list[str]]:
    counts: dict[str, list[str]] = {}
    for record in records:
        counts.setdefault(json.loads(record["body"])["id"], []).append(
            record["attributes"]["ApproximateReceiveCount"]
        )
    return counts


def test_only_the_failed_record_of_a_batch_is_redelivered(running: RunningStack) -> None:
    # Given three messages sent in one batch, one of which the consumer fails the first time
    tag = uuid.uuid4().hex
    binding = running.stack.queues[TEST_QUEUE]
    entries = [
        {"Id": name, "MessageBody": json.dumps({"tag": tag, "id": name, "mode": mode})}
        for name, mode in (("a", "ok"), ("b", "fail_once"), ("c", "ok"))
    ]
    running.stack.sqs.send_message_batch(QueueUrl=binding.url, Entries=entries)
    # When delivery runs past the visibility timeout (1 s)
    assert wait_until(lambda: len(_seen(running, tag)) >= 4, timeout_s=10)
    wait_until(lambda: False, timeout_s=1.5)  # room for a wrong extra redelivery to show up
    # Then the failed record came back once more and the others were deleted after one delivery
    counts = _counts(_seen(running, tag))
    assert counts == {"a": ["1"], "b": ["1", "2"], "c": ["1"]}
    record = _seen(running, tag)[0]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(f":{TEST_QUEUE}")
    assert record["awsRegion"] == "ap-south-1"
    assert {"messageId", "receiptHandle", "md5OfBody", "messageAttributes"} <= set(record)


def test_a_record_that_always_fails_ends_in_the_dlq(running: RunningStack) -> None:
    # Given a message the consumer always fails
    tag = uuid.uuid4().hex
    message_id = running.runner.run(
        running.stack.send_to_queue(TEST_QUEUE, {"tag": tag, "id": "poison", "mode": "always_fail"})
    )
    # When it has been received maxReceiveCount times
    assert wait_until(lambda: len(_seen(running, tag)) >= MAX_RECEIVE_COUNT, timeout_s=10)
    dlq_url = running.stack.queues[TEST_QUEUE].dlq_url

    def in_dlq() -> bool:
        messages = running.stack.sqs.receive_message(
            QueueUrl=dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0
        ).get("Messages", [])
        return any(m["MessageId"] == message_id for m in messages)

    # Then moto's redrive moves it to the DLQ and the consumer never sees it again
    assert wait_until(in_dlq, timeout_s=10)
    assert dlq_url.endswith(dlq_name(TEST_QUEUE))
    assert len(_seen(running, tag)) == MAX_RECEIVE_COUNT
