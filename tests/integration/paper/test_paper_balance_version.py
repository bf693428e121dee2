"""A paper account's balance has a version that grows with every change of the balance (a hold, a
release, a reset), read with the balance by the API (`balanceVersion`) and sent with the
`paper_balance` event (`version`), so the web app knows a frame older than what it read."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.paper.test_paper_api import open_account, place
from tests.support.auth import Account, new_account
from tests.support.gateway import Gateway
from tradetrack.aws import aws_client
from tradetrack.config import reset_settings
from tradetrack.notify.envelope import events_in


@pytest.fixture
def queue(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A notifications queue in moto that the functions send to, as CDK and the local stack set it."""
    url = aws_client("sqs").create_queue(QueueName=f"notifications-version-{uuid.uuid4().hex[:8]}")[
        "QueueUrl"
    ]
    monkeypatch.setenv("NOTIFICATIONS_QUEUE_URL", url)
    reset_settings()
    yield url
    reset_settings()


def balance_events(url: str) -> list[dict[str, Any]]:
    """The paper_balance events on the queue since last asked."""
    found: list[dict[str, Any]] = []
    sqs = aws_client("sqs")
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        found += [event for message in messages for event in events_in(message["Body"])]
    return [body for body in found if body["type"] == "paper_balance"]


def read(gateway: Gateway, user: Account, path: str) -> dict[str, Any]:
    reply = gateway.request("GET", path, token=user.access_token)
    assert reply.status == 200, reply.text
    return dict(reply.body)


def test_every_balance_change_moves_the_version_the_api_and_the_event_carry(
    gateway: Gateway, queue: str
) -> None:
    # Given a new paper account of ₹100,000
    user = new_account(gateway)
    opened = open_account(gateway, user)
    base = f"/v1/paper/accounts/{opened['accountId']}"
    # Then its balance has not moved yet
    assert opened["balanceVersion"] == 0
    # When a limit buy holds funds
    placed = place(gateway, user, opened["accountId"], type="LIMIT", quantity=5, price="1000")
    assert placed.status == 201, placed.text
    # Then the account, its portfolio and the balance event all carry the next version with the hold
    (on_hold,) = balance_events(queue)
    held = read(gateway, user, base)
    assert (held["balanceVersion"], on_hold["version"]) == (1, 1)
    assert on_hold["held"] == held["balance"]["held"] == placed.body["held"]
    assert read(gateway, user, f"{base}/portfolio")["balanceVersion"] == 1
    # When the order is canceled (the hold released), then the account reset
    cancel = gateway.request(
        "POST", f"{base}/orders/{placed.body['orderId']}/cancel", token=user.access_token
    )
    assert cancel.status == 200, cancel.text
    (on_release,) = balance_events(queue)
    released = read(gateway, user, base)["balanceVersion"]
    reset = gateway.request("POST", f"{base}/reset", token=user.access_token)
    assert reset.status == 200, reset.text
    # Then each change moved the version by one, in the API and in the event alike
    assert (on_release["version"], released, reset.body["balanceVersion"]) == (2, 2, 3)
    listed = read(gateway, user, "/v1/paper/accounts")["items"]
    assert [a["balanceVersion"] for a in listed] == [3]


def test_a_refused_hold_leaves_the_version(gateway: Gateway, queue: str) -> None:
    # Given a paper account of ₹1,000
    user = new_account(gateway)
    opened = open_account(gateway, user, balance="1000")
    base = f"/v1/paper/accounts/{opened['accountId']}"
    # When a limit buy worth more than the balance is placed
    refused = place(gateway, user, opened["accountId"], type="LIMIT", quantity=5, price="1000")
    # Then it is refused and the balance (and its version) did not move
    assert refused.status == 422, refused.text
    assert read(gateway, user, base)["balanceVersion"] == 0
