"""Notification test support: moto SES/SNS/Secrets Manager ready, users shaped per test, the notifier
called with SQS events exactly as Lambda would, and what moto says was sent."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pymongo.database import Database

from functions.manifest import function
from local.events.sqs import sqs_record
from local.lambda_runtime import make_context
from local.outbox import bootstrap_notifications, sent_email, sent_sms
from tests.support.auth import Account, new_account
from tests.support.gateway import Gateway
from tradetrack.aws import aws_client, use_aws_client
from tradetrack.notify.unsubscribe import reset_key_cache

Db = Database[dict[str, Any]]


@pytest.fixture
def notify_ready(gateway: Gateway) -> Iterator[Gateway]:
    """The gateway's moto with the unsubscribe key and a verified sender domain, as CDK deploys them."""
    bootstrap_notifications()
    yield gateway
    reset_key_cache()


def make_user(
    gateway: Gateway,
    db: Db,
    *,
    phone: str | None = None,
    verified: bool = False,
    address: str | None = None,
    **prefs: Any,
) -> Account:
    """A registered user; `phone`, `verified` (phoneVerified), `address` (their email) and
    notificationPrefs fields (email, sms, push, types) set in their document."""
    account = new_account(gateway)
    changes: dict[str, Any] = {"phone": phone, "phoneVerified": verified}
    if address is not None:
        changes["email"] = address
    if prefs:
        current = db["users"].find_one({"_id": account.user_id}) or {}
        changes["notificationPrefs"] = {**current.get("notificationPrefs", {}), **prefs}
    db["users"].update_one({"_id": account.user_id}, {"$set": changes})
    return account


def sqs_event(bodies: list[dict[str, Any]], *, receive_count: int = 1) -> dict[str, Any]:
    records = []
    for body in bodies:
        message = {
            "MessageId": str(uuid.uuid4()),
            "ReceiptHandle": uuid.uuid4().hex,
            "Body": json.dumps(body),
            "Attributes": {"ApproximateReceiveCount": str(receive_count)},
        }
        records.append(sqs_record(message, "notifications"))
    return {"Records": records}


def run_notifier(event: dict[str, Any]) -> list[str]:
    """Invoke the notifier Lambda; the message ids it reported as failed (to be retried)."""
    from functions.notifier.handler import lambda_handler

    response = lambda_handler(event, make_context(function("notifier")))
    return [item["itemIdentifier"] for item in response["batchItemFailures"]]


def deliver(*bodies: dict[str, Any], receive_count: int = 1) -> list[str]:
    return run_notifier(sqs_event(list(bodies), receive_count=receive_count))


def emails_to(address: str) -> list[dict[str, Any]]:
    return [m for m in sent_email() if address in m["to"]]


def sms_to(number: str) -> list[dict[str, Any]]:
    return [m for m in sent_sms() if m["phoneNumber"] == number]


def trade_event(user_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "type": "trade_confirmation",
        "eventId": f"trade:{uuid.uuid4().hex}",
        "userId": user_id,
        "tradeId": "trd_1",
        "symbol": "INFY",
        "exchange": "NSE",
        "direction": "LONG",
        "status": "closed",
        "quantity": 10,
        "avgEntry": "1500.05",
        "avgExit": "1510.1",
        "netPnl": "80.25",
        **overrides,
    }


@dataclass
class Failing:
    """A client whose `operation` fails with `code` the first `times` calls (forever with -1),
    then goes to the real (moto) client: throttling and outages on demand."""

    real: Any
    operation: str
    code: str
    times: int = -1
    calls: int = 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.real, name)
        if name != self.operation:
            return attribute

        def call(**kwargs: Any) -> Any:
            self.calls += 1
            if self.times < 0 or self.calls <= self.times:
                raise ClientError({"Error": {"Code": self.code, "Message": "injected"}}, name)
            return attribute(**kwargs)

        return call


def fail(service: str, operation: str, code: str, *, times: int = -1) -> Failing:
    """Make `service`'s client (as the notifier gets it) fail; returns the stand-in."""
    failing = Failing(aws_client(service), operation, code, times)
    use_aws_client(service, failing)
    return failing
