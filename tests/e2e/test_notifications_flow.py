"""Notifications over the local stack (what `make dev` runs): an event on the queue comes out as
email and SMS in GET /_local/outbox, the inbox shows it, the email's link unsubscribes, and an
SMS outage ends in the DLQ without a second email."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest
import requests
from websockets.sync.client import connect

from functions.manifest import FUNCTIONS, QueueSource
from local.background import BackgroundStack
from local.stack import LocalStack
from tests.e2e.accounts import register_and_login
from tests.e2e.doubles import wait_until
from tradetrack.aws import aws_client, reset_aws_clients, use_aws_client

pytestmark = pytest.mark.e2e

PHONE = "+919812345678"
# The manifest's notifier on a queue of its own that redelivers after 1 s instead of 180 s (moto's
# state outlives a stack in this process: another module's stack made "notifications" with 180 s).
QUEUE = "notifications-e2e"
FAST = tuple(
    dataclasses.replace(spec, queues=(QueueSource(QUEUE, max_receive_count=3, visibility_timeout_s=1),))
    if spec.name == "notifier"
    else spec
    for spec in FUNCTIONS
)


@pytest.fixture(scope="module")
def stack() -> Iterator[tuple[BackgroundStack, LocalStack]]:
    local = LocalStack(port=0, ws_port=0, functions=FAST, schedules_enabled=False, sqs_poll_interval_s=0.1)
    runner = BackgroundStack(local)
    with runner:
        yield runner, local


@pytest.fixture
def user(stack: tuple[BackgroundStack, LocalStack]) -> dict[str, str]:
    _, local = stack
    user_id, token = register_and_login(local.rest_url, prefix="notify", name="N")
    prefs = {"email": True, "sms": True, "push": True, "types": {}}
    users = local.mongo["tradetrack"]["users"]
    users.update_one(
        {"_id": user_id}, {"$set": {"phone": PHONE, "phoneVerified": True, "notificationPrefs": prefs}}
    )
    return {"userId": user_id, "email": users.find_one({"_id": user_id})["email"], "token": token}


def outbox(local: LocalStack) -> dict[str, list[dict[str, Any]]]:
    reply = requests.get(f"{local.rest_url}/_local/outbox", timeout=30)
    assert reply.status_code == 200
    return dict(reply.json())


def mail_to(local: LocalStack, address: str) -> list[dict[str, Any]]:
    return [m for m in outbox(local)["email"] if address in m["to"]]


def event(user_id: str, trade_id: str) -> dict[str, Any]:
    return {
        "type": "trade_confirmation",
        "eventId": f"trade:{uuid.uuid4().hex}",
        "userId": user_id,
        "tradeId": trade_id,
        "symbol": "INFY",
        "direction": "LONG",
        "status": "closed",
        "quantity": 4,
        "netPnl": "40.2",
    }


def test_an_event_on_the_queue_reaches_the_outbox_the_inbox_and_unsubscribes(
    stack: tuple[BackgroundStack, LocalStack], user: dict[str, str]
) -> None:
    runner, local = stack
    # Given a trade confirmation put on the notifications queue (twice: a duplicate send)
    body = event(user["userId"], "trd_e2e")
    runner.run(local.send_to_queue(QUEUE, body))
    runner.run(local.send_to_queue(QUEUE, body))
    # When the stack's SQS delivery has run the notifier
    assert wait_until(lambda: len(mail_to(local, user["email"])) >= 1, timeout_s=15)
    wait_until(lambda: False, timeout_s=1)  # room for a wrong second send to show up
    # Then the outbox holds one email and one SMS for the user
    (mail,) = mail_to(local, user["email"])
    assert mail["subject"] == "TradeTrack: Trade closed: INFY" and "₹40.20" in mail["text"]
    assert [s["message"] for s in outbox(local)["sms"] if s["phoneNumber"] == PHONE] == [
        "LONG INFY x4 closed, net P&L Rs 40.20"
    ]
    # And the inbox lists it, unread
    auth = {"Authorization": f"Bearer {user['token']}"}
    items = requests.get(f"{local.rest_url}/v1/notifications?unread=true", headers=auth, timeout=30).json()[
        "items"
    ]
    assert [i["data"]["tradeId"] for i in items] == ["trd_e2e"]
    # When the email's List-Unsubscribe link is followed, with no login
    link = mail["headers"]["List-Unsubscribe"].strip("<>")
    assert link.startswith(f"{local.rest_url}/v1/notifications/unsubscribe?token=")
    reply = requests.post(link, data="List-Unsubscribe=One-Click", timeout=30)
    # Then trade confirmations are off for the user
    assert reply.status_code == 200, reply.text
    me = requests.get(f"{local.rest_url}/v1/me", headers=auth, timeout=30).json()
    assert me["notificationPrefs"]["types"] == {"trade_confirmation": False}
    tampered = link.replace("trade_confirmation", "price_alert")
    assert requests.get(unquote(tampered), timeout=30).status_code == 400


def test_an_sms_outage_is_retried_then_dead_lettered_and_emails_once(
    stack: tuple[BackgroundStack, LocalStack], user: dict[str, str]
) -> None:
    from botocore.exceptions import ClientError

    runner, local = stack
    real = aws_client("sns")
    calls: list[str] = []

    class DownSns:
        def publish(self, **kwargs: Any) -> Any:
            calls.append(kwargs["PhoneNumber"])
            raise ClientError({"Error": {"Code": "InternalError", "Message": "down"}}, "Publish")

    # Given SNS down for the whole test
    use_aws_client("sns", DownSns())
    try:
        body = event(user["userId"], "trd_outage")
        message_id = runner.run(local.send_to_queue(QUEUE, body))
        dlq = local.queues[QUEUE].dlq_url

        def dead_lettered() -> bool:
            messages = local.sqs.receive_message(
                QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=0
            ).get("Messages", [])
            return any(m["MessageId"] == message_id for m in messages)

        # When SQS has delivered it its three times
        assert wait_until(dead_lettered, timeout_s=20)
        # Then SNS was tried on each delivery and the email went out exactly once
        assert calls.count(PHONE) == 3
        assert len(mail_to(local, user["email"])) == 1
    finally:
        use_aws_client("sns", real)
        reset_aws_clients()


def test_a_phone_is_verified_with_the_code_the_outbox_shows(
    stack: tuple[BackgroundStack, LocalStack],
) -> None:
    _, local = stack
    phone = "+919800011122"
    _, token = register_and_login(local.rest_url, prefix="phone", name="P")
    auth = {"Authorization": f"Bearer {token}"}
    # Given a user asks for a code for their number
    sent = requests.post(f"{local.rest_url}/v1/me/phone", json={"phone": phone}, headers=auth, timeout=30)
    assert sent.status_code == 202, sent.text
    # When they type the code the SMS (GET /_local/outbox) carries
    (sms,) = [s for s in outbox(local)["sms"] if s["phoneNumber"] == phone]
    code = sms["message"][:6]
    verified = requests.post(
        f"{local.rest_url}/v1/me/phone/verify", json={"code": code}, headers=auth, timeout=30
    )
    # Then the number is verified on their profile
    assert verified.status_code == 200, verified.text
    me = requests.get(f"{local.rest_url}/v1/me", headers=auth, timeout=30).json()
    assert (me["phone"], me["phoneVerified"]) == (phone, True)


def test_live_events_reach_the_users_open_websocket_and_not_the_inbox(
    stack: tuple[BackgroundStack, LocalStack], user: dict[str, str]
) -> None:
    runner, local = stack
    with connect(f"{local.ws_url}/?token={user['token']}", open_timeout=10) as ws:
        assert wait_until(lambda: bool(local.redis.smembers(f"ws:user:{user['userId']}")))
        # Given a sync of the user's account succeeded (the sync worker's event on the queue)
        succeeded = {
            "type": "sync_succeeded",
            "eventId": f"sync_succeeded:{uuid.uuid4().hex}",
            "userId": user["userId"],
            "accountId": "ba_e2e",
            "broker": "zerodha",
            "syncId": "sync_e2e",
            "fetched": 4,
            "sent": 2,
        }
        runner.run(local.send_to_queue(QUEUE, succeeded))
        # Then the open connection gets a "sync" frame with status success
        assert json.loads(ws.recv(timeout=15)) == {
            "type": "sync",
            "accountId": "ba_e2e",
            "broker": "zerodha",
            "syncId": "sync_e2e",
            "status": "success",
            "fetched": 4,
            "sent": 2,
        }
        # When trades of the user changed (one event for the batch)
        changed = {
            "type": "trades_changed",
            "userId": user["userId"],
            "source": "sync",
            "tradeIds": ["t1", "t2"],
        }
        runner.run(local.send_to_queue(QUEUE, changed))
        # Then one "trades" frame names them
        assert json.loads(ws.recv(timeout=15)) == {
            "type": "trades",
            "source": "sync",
            "tradeIds": ["t1", "t2"],
            "more": 0,
        }
    # And neither is a notification in the inbox
    auth = {"Authorization": f"Bearer {user['token']}"}
    items = requests.get(f"{local.rest_url}/v1/notifications", headers=auth, timeout=30).json()["items"]
    assert not [i for i in items if i["type"] in ("sync_succeeded", "trades_changed")]
