"""tradetrack.batches: the SQS consumers' partial batch response, record by record, or several records
at once on a pool of threads."""

from __future__ import annotations

import json
import threading
import time
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


# -- records handled concurrently (workers > 1) -------------------------------------------------------


def test_with_workers_the_records_are_handled_at_the_same_time() -> None:
    # Given a batch of four whose handlers each wait until all four have started
    started = threading.Barrier(4, timeout=10)
    threads: set[str] = set()

    def handler(record: SQSRecord) -> str:
        threads.add(threading.current_thread().name)
        started.wait()  # breaks (and fails the record) unless the four run at once
        return record.body

    # When it is consumed with four workers
    response = partial_batch_response(sqs_event("a", "b", "c", "d"), handler, workers=4)
    # Then none failed: they ran together, on four threads of the pool
    assert response == {"batchItemFailures": []}
    assert len(threads) == 4 and threading.current_thread().name not in threads


def test_with_workers_a_failing_record_fails_alone_in_the_records_order() -> None:
    # Given a batch of seven, three failing, the first failure the slowest to finish
    def handler(record: SQSRecord) -> str:
        if record.body == "bad-slow":
            time.sleep(0.2)
            raise RuntimeError("late failure")
        return fail_on_bad(record)

    event = sqs_event("bad-slow", "a", "bad", "b", "c", "bad", "d")
    # When it is consumed with three workers
    response = partial_batch_response(event, handler, workers=3)
    # Then the failing records alone are reported, in the batch's order, as without workers
    expected = [{"itemIdentifier": f"m-{i}"} for i in (0, 2, 5)]
    assert response == {"batchItemFailures": expected}
    assert partial_batch_response(sqs_event("bad", "a", "bad", "b", "c", "bad", "d"), fail_on_bad) == response


def test_records_with_the_same_serial_key_run_one_after_another_in_their_order() -> None:
    # Given a batch where two keys have three records each, one of them failing
    lock = threading.Lock()
    running: dict[str, int] = {}
    overlapped: list[str] = []
    done: list[str] = []
    most_at_once = 0
    firsts = threading.Barrier(2, timeout=10)  # each key's first record waits for the other's

    def handler(record: SQSRecord) -> None:
        nonlocal most_at_once
        key, _ = record.body.split("/")
        with lock:
            running[key] = running.get(key, 0) + 1
            if running[key] > 1:
                overlapped.append(key)
            most_at_once = max(most_at_once, sum(running.values()))
        if record.body.endswith("/1"):
            firsts.wait()
        time.sleep(0.02)
        with lock:
            running[key] -= 1
            done.append(record.body)
        if record.body == "x/2":
            raise RuntimeError("this one fails")

    event = sqs_event("x/1", "y/1", "x/2", "y/2", "x/3", "y/3")
    # When it is consumed with four workers, the records keyed by their prefix
    response = partial_batch_response(
        event, handler, workers=4, serial_key=lambda record: record.body.split("/")[0]
    )
    # Then records of one key never ran at once and kept their order (a failure does not stop the
    # ones after it), while the two keys ran side by side
    assert overlapped == []
    assert [body for body in done if body.startswith("x/")] == ["x/1", "x/2", "x/3"]
    assert [body for body in done if body.startswith("y/")] == ["y/1", "y/2", "y/3"]
    assert most_at_once == 2
    assert response == {"batchItemFailures": [{"itemIdentifier": "m-2"}]}


def test_a_record_whose_serial_key_cannot_be_read_runs_alone_and_its_handler_decides() -> None:
    # Given a batch with a record the key function raises on
    def key(record: SQSRecord) -> str:
        return str(json.loads(record.body)["accountId"])

    def handler(record: SQSRecord) -> str:
        return str(json.loads(record.body)["accountId"])

    event = sqs_event('{"accountId": "a"}', "not json", '{"accountId": "a"}')
    # When it is consumed
    response = partial_batch_response(event, handler, workers=2, serial_key=key)
    # Then that record fails through its handler, the others are handled
    assert response == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
