"""SQS → Lambda delivery, as the event source mapping does it with ReportBatchItemFailures.

Each batch is deleted except the records named in the response's `batchItemFailures`; when the
handler raises (or answers with an id not in the batch) nothing is deleted. Undeleted messages
come back after the queue's visibility timeout, and moto itself moves a message to the DLQ on
the receive after `maxReceiveCount` (checked with moto 5.2: the DLQ copy shows
ApproximateReceiveCount = maxReceiveCount + 1), so no redrive is emulated here.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Mapping
from typing import Any

from local.aws import QueueBinding
from local.events.sqs import sqs_event
from local.lambda_runtime import FunctionRuntime

log = logging.getLogger("local.sqs")


def failed_ids(result: Any, batch_ids: set[str]) -> set[str] | None:
    """The message ids to keep; None when the whole batch failed (malformed response)."""
    if not isinstance(result, Mapping) or not result.get("batchItemFailures"):
        return set()
    failures = result["batchItemFailures"]
    ids = {item.get("itemIdentifier") for item in failures if isinstance(item, Mapping)}
    if not all(isinstance(i, str) and i in batch_ids for i in ids):
        return None
    return {str(i) for i in ids}


class QueueDelivery:
    def __init__(
        self,
        runtime: FunctionRuntime,
        sqs: Any,
        bindings: Mapping[str, QueueBinding],
        *,
        poll_interval_s: float,
    ) -> None:
        self.runtime = runtime
        self.sqs = sqs
        self.bindings = dict(bindings)
        self.poll_interval_s = poll_interval_s
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        for binding in self.bindings.values():
            # As many pollers as the consumer has instances: Lambda runs that many batches at once.
            for _ in range(self.runtime.concurrency(binding.consumer)):
                self._tasks.append(
                    asyncio.create_task(self._poll(binding), name=f"sqs:{binding.source.queue}")
                )

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    def send(self, queue: str, body: str | Mapping[str, Any], **kwargs: Any) -> str:
        """Send to a manifest queue by name (blocking boto3 call); the message id."""
        text = body if isinstance(body, str) else json.dumps(body)
        response = self.sqs.send_message(QueueUrl=self.bindings[queue].url, MessageBody=text, **kwargs)
        return str(response["MessageId"])

    async def _poll(self, binding: QueueBinding) -> None:
        while True:
            try:
                delivered = await self._deliver_once(binding)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("polling failed", extra={"queue": binding.source.queue})
                delivered = 0
            if not delivered:
                await asyncio.sleep(self.poll_interval_s)

    def _receive(self, binding: QueueBinding) -> list[dict[str, Any]]:
        response = self.sqs.receive_message(
            QueueUrl=binding.url,
            MaxNumberOfMessages=min(10, binding.source.batch_size),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        )
        return list(response.get("Messages", []))

    def _delete(self, binding: QueueBinding, messages: list[dict[str, Any]]) -> None:
        if messages:
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
            self.sqs.delete_message_batch(QueueUrl=binding.url, Entries=entries)

    async def _deliver_once(self, binding: QueueBinding) -> int:
        """Receive one batch and hand it to the consumer; the number of messages received."""
        messages = await asyncio.to_thread(self._receive, binding)
        if not messages:
            return 0
        queue, spec = binding.source.queue, binding.consumer
        batch_ids = {m["MessageId"] for m in messages}
        started = time.perf_counter()
        try:
            result = await self.runtime.invoke(spec, sqs_event(messages, queue), str(uuid.uuid4()))
            keep = failed_ids(result, batch_ids)
        except Exception:
            log.exception(
                "consumer failed; batch left for redelivery", extra={"queue": queue, "function": spec.name}
            )
            keep = None
        if keep is None:
            keep = batch_ids
        await asyncio.to_thread(self._delete, binding, [m for m in messages if m["MessageId"] not in keep])
        log.info(
            "batch of %d %.1fms",
            len(messages),
            (time.perf_counter() - started) * 1000,
            extra={"queue": queue, "function": spec.name, "failed": len(keep)},
        )
        return len(messages)
