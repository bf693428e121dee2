"""The sync pipeline on moto SQS, driven by hand: queues from the manifest, handlers called with
real SQS events, failed records made visible again at once (the visibility timeout, fast-forwarded).

    pipeline.schedule(now)                  # the EventBridge rule fires the scheduler
    pipeline.drain("sync")                  # the sync worker consumes until the queue is empty
    pipeline.drain("trade-updates")
    pipeline.bodies("notifications")        # what reached the notifier's queue (consumed)
    pipeline.notification_events()          # the same, each envelope's events unpacked, in order
"""

from __future__ import annotations

import importlib
import json
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from functions.manifest import FUNCTIONS, queue_url_variable
from local.aws import QueueBinding, create_queues
from local.events.sqs import sqs_event
from local.lambda_runtime import make_context
from tests.support.lambda_events import lambda_context


@dataclass
class Pipeline:
    sqs: Any
    queues: dict[str, QueueBinding]
    results: list[Any] = field(default_factory=list)
    # True: each consumer gets its manifest timeout in its context, as in Lambda (the sync worker's
    # 120 s); False: the tests' 10 s context (the sync worker's broker deadline then 1 s)
    manifest_timeouts: bool = False

    def env(self) -> dict[str, str]:
        return {queue_url_variable(name): binding.url for name, binding in self.queues.items()}

    def handler(self, function: str) -> Any:
        return importlib.import_module(f"functions.{function}.handler").lambda_handler

    def schedule(self, now: datetime) -> dict[str, Any]:
        result: dict[str, Any] = self.handler("sync_scheduler")({"time": now.isoformat()}, lambda_context())
        return result

    def receive(self, queue: str, *, count: int = 10) -> list[dict[str, Any]]:
        response = self.sqs.receive_message(
            QueueUrl=self.queues[queue].url,
            MaxNumberOfMessages=count,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        )
        return list(response.get("Messages", []))

    def deliver(self, queue: str, messages: list[dict[str, Any]]) -> set[str]:
        """One batch to the queue's consumer; deletes what succeeded, returns the failed message ids."""
        binding = self.queues[queue]
        ids = {m["MessageId"] for m in messages}
        try:
            context = make_context(binding.consumer) if self.manifest_timeouts else lambda_context()
            result = self.handler(binding.consumer.name)(sqs_event(messages, queue), context)
            self.results.append(result)
            failed = {item["itemIdentifier"] for item in (result or {}).get("batchItemFailures", [])}
        except Exception:
            traceback.print_exc()  # shown with the failing test's captured output
            failed = ids
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)]
            self.sqs.delete_message_batch(QueueUrl=binding.url, Entries=entries)
        for message in messages:
            if message["MessageId"] in failed:  # back at once instead of after the visibility timeout
                self.sqs.change_message_visibility(
                    QueueUrl=binding.url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
        return failed

    def drain(self, queue: str, *, rounds: int = 100) -> int:
        """Deliver batches until the queue is empty (or `rounds` batches); how many were delivered."""
        delivered = 0
        size = self.queues[queue].source.batch_size
        for _ in range(rounds):
            messages = self.receive(queue, count=min(10, size))
            if not messages:
                break
            delivered += len(messages)
            self.deliver(queue, messages)
        return delivered

    def bodies(self, queue: str) -> list[Any]:
        """Receive and delete everything waiting in `queue` (or a "<queue>-dlq"); the parsed bodies."""
        url = self.queues[queue[:-4]].dlq_url if queue.endswith("-dlq") else self.queues[queue].url
        found: list[Any] = []
        while True:
            response = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            messages = response.get("Messages", [])
            if not messages:
                return found
            for message in messages:
                found.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def notification_events(self) -> list[Any]:
        """bodies("notifications") with each envelope's events in its place (tradetrack.notify.envelope):
        every event that reached the notifier's queue, whether sent alone or with others (consumed)."""
        from tradetrack.notify.envelope import unpack

        found: list[Any] = []
        for body in self.bodies("notifications"):
            events = unpack(body)
            found += [body] if events is None else events
        return found


def make_pipeline(sqs: Any) -> Pipeline:
    return Pipeline(sqs, create_queues(sqs, FUNCTIONS))


KITE_APP = {"apiKey": "kite-test-key", "apiSecret": "kite-test-secret"}
UPSTOX_APP = {"apiKey": "upstox-test-key", "apiSecret": "upstox-test-secret"}


def connected_account(
    db: Any,
    *,
    user_id: str,
    broker: str = "zerodha",
    access_token: str = "access-token-1",  # noqa: S107 - a test token the stub broker expects
    expires_at: datetime | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """An active broker account as the OAuth callback leaves it (token encrypted with the moto key)."""
    from datetime import UTC, timedelta

    from tradetrack.aws import aws_client
    from tradetrack.brokers.tokens import encrypt_token
    from tradetrack.config import get_settings
    from tradetrack.db import broker_accounts

    now = datetime.now(UTC)
    account_id = broker_accounts.new_account_id()
    doc = {
        "_id": account_id,
        "userId": user_id,
        "broker": broker,
        "status": "active",
        "brokerUserId": "AB1234",
        "tokenCiphertext": encrypt_token(
            aws_client("kms"),
            get_settings().broker_token_key_id,
            access_token,
            user_id=user_id,
            account_id=account_id,
        ),
        "tokenExpiresAt": expires_at or now + timedelta(hours=12),
        "createdAt": now,
        "connectedAt": now,
        "failures": 0,
        **fields,
    }
    broker_accounts.insert_account(db, doc)
    return doc
