"""Sending to SQS: batches of up to ten (SendMessageBatch, 256 KiB), entries SQS refused retried once."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

SQS_BATCH = 10
BATCH_BYTES = 250_000  # SQS: at most 256 KiB per message and per batch


class QueueSendError(RuntimeError):
    """SQS refused some messages twice; `failed` of them were not sent."""

    def __init__(self, queue_url: str, failed: int) -> None:
        super().__init__(f"SQS refused {failed} message(s) for {queue_url.rsplit('/', 1)[-1]}")
        self.failed = failed


def _send_chunk(sqs: Any, queue_url: str, bodies: Sequence[str]) -> int:
    pending = {str(i): body for i, body in enumerate(bodies)}
    for _ in range(2):
        entries = [{"Id": key, "MessageBody": body} for key, body in pending.items()]
        response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        pending = {item["Id"]: pending[item["Id"]] for item in response.get("Failed") or []}
        if not pending:
            return 0
    return len(pending)


def _chunks(bodies: Sequence[str]) -> list[list[str]]:
    """At most ten messages and BATCH_BYTES per batch."""
    chunks: list[list[str]] = []
    size = 0
    for body in bodies:
        length = len(body.encode())
        if length > BATCH_BYTES:
            raise ValueError(f"a message of {length} bytes is over SQS's limit")
        if not chunks or len(chunks[-1]) == SQS_BATCH or size + length > BATCH_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append(body)
        size += length
    return chunks


def send_all(sqs: Any, queue_url: str, bodies: Sequence[str], *, workers: int = 1) -> int:
    """Send every body; `workers` > 1 sends batches in parallel threads. Returns how many were sent;
    raises QueueSendError (after sending the rest) when SQS refused some twice."""
    chunks = _chunks(bodies)
    if workers > 1 and len(chunks) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            failures = list(pool.map(lambda chunk: _send_chunk(sqs, queue_url, chunk), chunks))
    else:
        failures = [_send_chunk(sqs, queue_url, chunk) for chunk in chunks]
    failed = sum(failures)
    if failed:
        raise QueueSendError(queue_url, failed)
    return len(bodies)


def queue_sender(sqs: Any, queue_url: str) -> Callable[[str | Mapping[str, Any]], None]:
    """One message at a time to `queue_url` (a mapping is sent as its JSON), through send_all: what
    a route hands its service as `enqueue`, or a worker uses to continue in a new invocation."""

    def send(message: str | Mapping[str, Any]) -> None:
        send_all(sqs, queue_url, [message if isinstance(message, str) else json.dumps(message)])

    return send
