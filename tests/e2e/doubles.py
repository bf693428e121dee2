"""Test-only functions for the local stack: a failing route, an echo, an SQS consumer, a timer."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from functions.manifest import FUNCTIONS, FunctionSpec, QueueSource, RestRoute, Schedule

TEST_QUEUE = "test-orders"
TEST_RULE = "test-tick"
MAX_RECEIVE_COUNT = 2


class Recorder:
    """Events seen by the test handlers, shared between the stack's worker threads and the test."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.events: list[dict[str, Any]] = []

    def add(self, event: dict[str, Any]) -> None:
        with self._lock:
            self.events.append(event)

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.events)

    def clear(self) -> None:
        with self._lock:
            self.events.clear()


def wait_until(condition: Callable[[], bool], timeout_s: float = 10.0, interval_s: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval_s)
    return condition()


TEST_FUNCTIONS: tuple[FunctionSpec, ...] = (
    *FUNCTIONS,
    FunctionSpec(name="boom", capability="Test", rest=(RestRoute("GET", "/v1/test/boom", public=True),)),
    FunctionSpec(
        name="echo",
        capability="Test",
        rest=(
            RestRoute("GET", "/v1/test/echo/{proxy+}", public=True),
            RestRoute("POST", "/v1/test/echo/{proxy+}", public=True),
            RestRoute("GET", "/v1/test/echo/fixed", public=True),
            RestRoute("GET", "/v1/test/items/{itemId}", public=True),
        ),
    ),
    FunctionSpec(
        name="orders_consumer",
        capability="Test",
        queues=(
            QueueSource(
                TEST_QUEUE, batch_size=10, max_receive_count=MAX_RECEIVE_COUNT, visibility_timeout_s=1
            ),
        ),
    ),
    FunctionSpec(name="ticker", capability="Test", schedules=(Schedule(TEST_RULE, "rate(1 minute)"),)),
)


def make_handlers(sqs_seen: Recorder, ticks: Recorder) -> dict[str, Callable[[Any, Any], Any]]:
    def boom(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise RuntimeError("boom")

    def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "application/json", "X-Single": "one"},
            "multiValueHeaders": {"X-Multi": ["a", "b"]},
            "body": json.dumps({"event": event, "functionName": context.function_name}),
            "isBase64Encoded": False,
        }

    def consume(event: dict[str, Any], context: Any) -> dict[str, Any]:
        failures = []
        for record in event["Records"]:
            sqs_seen.add(record)
            mode = json.loads(record["body"])["mode"]
            first = record["attributes"]["ApproximateReceiveCount"] == "1"
            if mode == "always_fail" or (mode == "fail_once" and first):
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    def tick(event: dict[str, Any], context: Any) -> None:
        ticks.add(event)

    return {"boom": boom, "echo": echo, "orders_consumer": consume, "ticker": tick}
