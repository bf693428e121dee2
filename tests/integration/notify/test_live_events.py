"""Live events from the API's own writes (issue #15 item 9): a manual fill added or deleted puts one
trades_changed event (source manual) on the notifications queue, naming the pair's trades."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.auth import new_account
from tests.support.gateway import Gateway
from tradetrack.aws import aws_client
from tradetrack.config import reset_settings
from tradetrack.notify.envelope import events_in


@pytest.fixture
def queue(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A notifications queue in moto that the functions send to, as CDK and the local stack set it."""
    url = aws_client("sqs").create_queue(QueueName="notifications-live")["QueueUrl"]
    monkeypatch.setenv("NOTIFICATIONS_QUEUE_URL", url)
    reset_settings()
    yield url
    reset_settings()


def bodies(url: str) -> list[dict[str, Any]]:
    messages = aws_client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:
        aws_client("sqs").delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return [event for message in messages for event in events_in(message["Body"])]


def test_a_manual_fill_added_or_deleted_announces_the_trades_it_changed(gateway: Gateway, queue: str) -> None:
    user = new_account(gateway)
    fill = {
        "symbol": "INFY",
        "exchange": "NSE",
        "quantity": 10,
        "price": "1500",
        "executedAt": "2026-03-02T09:20:00",
    }
    # Given a manual buy
    bought = gateway.request(
        "POST", "/v1/executions", token=user.access_token, json_body={**fill, "side": "BUY"}
    )
    assert bought.status == 201, bought.text
    # Then one trades_changed event names the open trade it made
    trades = gateway.request("GET", "/v1/trades", token=user.access_token).body["items"]
    (opened,) = bodies(queue)
    assert opened == {
        "userId": user.user_id,
        "type": "trades_changed",
        "source": "manual",
        "tradeIds": [trades[0]["tradeId"]],
        "more": 0,
    }
    # When the buy is deleted
    deleted = gateway.request(
        "DELETE", f"/v1/executions/{bought.body['executionId']}", token=user.access_token
    )
    assert deleted.status == 204
    # Then the trade it made is gone, and the event names it so the SPA drops it
    assert gateway.request("GET", "/v1/trades", token=user.access_token).body["items"] == []
    (removed,) = bodies(queue)
    assert (removed["source"], removed["tradeIds"]) == ("manual", [trades[0]["tradeId"]])


def test_an_annotation_announces_its_trade(gateway: Gateway, queue: str) -> None:
    # Given a user's open trade (its own event read and dropped)
    user = new_account(gateway)
    fill = {"symbol": "TCS", "exchange": "NSE", "side": "BUY", "quantity": 2, "price": "4000"}
    body = {**fill, "executedAt": "2026-03-02T09:30:00"}
    assert gateway.request("POST", "/v1/executions", token=user.access_token, json_body=body).status == 201
    (trade,) = gateway.request("GET", "/v1/trades", token=user.access_token).body["items"]
    bodies(queue)
    # When the user notes it
    path = f"/v1/trades/{trade['tradeId']}"
    noted = gateway.request("PATCH", path, token=user.access_token, json_body={"notes": "breakout"})
    # Then one trades_changed event names that trade
    assert noted.status == 200, noted.text
    assert [(b["type"], b["source"], b["tradeIds"]) for b in bodies(queue)] == [
        ("trades_changed", "manual", [trade["tradeId"]])
    ]
