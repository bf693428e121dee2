"""Paper events through the notifier: a placement and a cancel through the API put paper_order and
paper_balance events on the notifications queue; the notifier keeps a paper_order in the inbox,
emails it and pushes the order-update frame; paper_balance is pushed only."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from functions.manifest import function
from local.lambda_runtime import make_context
from tests.support.auth import new_account
from tests.support.gateway import Gateway
from tests.support.notify import Db, deliver, emails_to, make_user, notify_ready
from tradetrack.aws import aws_client
from tradetrack.config import get_settings, reset_settings
from tradetrack.db.notifications import notification_id
from tradetrack.notify.envelope import events_in

__all__ = ["notify_ready"]


@pytest.fixture
def queue(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A notifications queue in moto that the functions send to, as CDK and the local stack set it."""
    url = aws_client("sqs").create_queue(QueueName=f"notifications-paper-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    monkeypatch.setenv("NOTIFICATIONS_QUEUE_URL", url)
    reset_settings()
    yield url
    reset_settings()


def bodies(url: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while (
        messages := aws_client("sqs")
        .receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        .get("Messages", [])
    ):
        for message in messages:
            aws_client("sqs").delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        found += [event for message in messages for event in events_in(message["Body"])]
    return found


def test_a_placement_and_a_cancel_announce_the_order_and_the_balance(gateway: Gateway, queue: str) -> None:
    # Given a paper account of ₹100,000
    user = new_account(gateway)
    opened = gateway.request(
        "POST", "/v1/paper/accounts", token=user.access_token, json_body={"startingBalance": "100000"}
    )
    paper_id = opened.body["accountId"]
    # When a limit buy is placed, then canceled
    placed = gateway.request(
        "POST",
        f"/v1/paper/accounts/{paper_id}/orders",
        token=user.access_token,
        headers={"Idempotency-Key": "k-events"},
        json_body={
            "symbol": "INFY",
            "exchange": "NSE",
            "side": "BUY",
            "type": "LIMIT",
            "quantity": 10,
            "price": "1000",
        },
    )
    assert placed.status == 201, placed.text
    on_placement = bodies(queue)
    order_id = placed.body["orderId"]
    cancel = gateway.request(
        "POST", f"/v1/paper/accounts/{paper_id}/orders/{order_id}/cancel", token=user.access_token
    )
    assert cancel.status == 200, cancel.text
    on_cancel = bodies(queue)
    # Then the placement announced the order placed and the balance with the hold
    held = placed.body["held"]
    assert [(b["type"], b.get("event")) for b in on_placement] == [
        ("paper_order", "placed"),
        ("paper_balance", None),
    ]
    assert on_placement[0]["orderId"] == order_id and on_placement[0]["userId"] == user.user_id
    assert on_placement[1]["held"] == held and on_placement[1]["accountId"] == paper_id
    # And the cancel announced the order canceled and the balance with nothing held
    assert [(b["type"], b.get("event")) for b in on_cancel] == [
        ("paper_order", "canceled"),
        ("paper_balance", None),
    ]
    assert on_cancel[0]["reason"] == "by user"
    assert (on_cancel[1]["held"], on_cancel[1]["available"]) == ("0", "100000")


def paper_event(user_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "type": "paper_order",
        "eventId": f"paper_order:po_1:2:{uuid.uuid4().hex[:6]}",
        "userId": user_id,
        "accountId": "pa_1",
        "orderId": "po_1",
        "event": "partially_executed",
        "state": "partially_executed",
        "symbol": "INFY",
        "exchange": "NSE",
        "side": "BUY",
        "orderType": "LIMIT",
        "product": "CNC",
        "quantity": 10,
        "filledQuantity": 4,
        "lastFillQuantity": 4,
        "lastFillPrice": "1390",
        "at": "2026-03-02T10:00:00+05:30",
        **overrides,
    }


def test_the_notifier_keeps_emails_and_pushes_a_paper_order(
    notify_ready: Gateway, mongo_db: Db, redis_client: redis.Redis
) -> None:
    from tradetrack.notify.idempotency import Idempotency
    from tradetrack.notify.service import Notifier
    from tradetrack.websocket import actions

    # Given a user with one open connection, email on, who asked for paper order progress too
    # (placed and partly filled: pushed only otherwise, tests/integration/notify/test_paper_risk_frames.py)
    user = make_user(notify_ready, mongo_db, types={"paper_order_progress": True})
    event = paper_event(user.user_id)
    # When a paper_order event is delivered by the notifier Lambda
    assert deliver(event) == []
    # Then it is in the inbox about the order, and emailed under its own preference
    item = mongo_db["notifications"].find_one({"_id": notification_id(event["eventId"])})
    assert item is not None and item["data"] == {"orderId": "po_1", "symbol": "INFY", "accountId": "pa_1"}
    (mail,) = emails_to(user.email)
    assert mail["subject"] == "TradeTrack: Paper order partly filled: INFY"
    assert "4 of 10 filled; last fill 4 at 1,390.00" in mail["text"]
    # When the same kind of event and a balance change reach a user with an open connection
    actions.connect(redis_client, "c-paper", user.user_id, ttl_s=600)
    posted: list[bytes] = []

    def post(_connection: str, data: bytes) -> bool:
        posted.append(data)
        return True

    context: Any = make_context(function("notifier"))  # what the Lambda runtime hands the handler
    notifier = Notifier(
        db=mongo_db,
        cache=redis_client,
        settings=get_settings(),
        idempotency=Idempotency(redis_client, ttl_s=600, context=context),
        ses=aws_client("sesv2"),
        sns=aws_client("sns"),
        post=post,
    )
    notifier.handle(paper_event(user.user_id, event="executed", state="executed", filledQuantity=10))
    balance = {
        "type": "paper_balance",
        "userId": user.user_id,
        "accountId": "pa_1",
        "available": "86000",
        "held": "0",
        "total": "86000",
    }
    notifier.handle(balance)
    # Then the connection got the order-update frame, then the balance frame (no inbox item for it)
    frames = [json.loads(p) for p in posted]
    assert {k: frames[0][k] for k in ("type", "orderId", "event", "state", "filledQuantity")} == {
        "type": "paper_order",
        "orderId": "po_1",
        "event": "executed",
        "state": "executed",
        "filledQuantity": 10,
    }
    assert frames[1] == {
        "type": "paper_balance",
        "accountId": "pa_1",
        "available": "86000",
        "held": "0",
        "total": "86000",
    }
    assert mongo_db["notifications"].count_documents({"userId": user.user_id}) == 2
