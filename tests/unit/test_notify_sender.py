"""The one notification sender (tradetrack.notify.sender): queued when a notifications queue is
configured, logged when not; a failure raises, or with a lost-metric is logged and counted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tradetrack.notify import sender
from tradetrack.notify.envelope import MAX_EVENTS, events_in
from tradetrack.notify.events import parse_event, trades_changed
from tradetrack.observability import logger, metrics

QUEUE = "https://sqs.ap-south-1.amazonaws.com/123456789012/notifications"


class FakeSqs:
    """SendMessageBatch as SQS answers it: every entry accepted, or the call refused."""

    def __init__(self, *, refuse: bool = False) -> None:
        self.refuse = refuse
        self.sent: list[tuple[str, str]] = []

    def send_message_batch(self, *, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:  # noqa: N803
        if self.refuse:
            raise ConnectionError("SQS is unreachable")
        self.sent.extend((QueueUrl, entry["MessageBody"]) for entry in Entries)
        return {"Successful": [{"Id": entry["Id"]} for entry in Entries]}


@pytest.fixture
def logged(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, dict[str, Any]]]:
    """What the sender logs (level, message, extra)."""
    lines: list[tuple[str, str, dict[str, Any]]] = []
    for level in ("info", "warning"):
        monkeypatch.setattr(
            logger, level, lambda msg, *, extra, _level=level: lines.append((_level, msg, extra))
        )
    return lines


@pytest.fixture
def lost_metrics() -> Iterator[dict[str, Any]]:
    metrics.clear_metrics()
    yield metrics.metric_set
    metrics.clear_metrics()


def events(*users: str) -> list[Any]:
    return [trades_changed(user, "manual", [f"trd_{user}"]) for user in users]


def test_events_are_queued_when_a_queue_is_configured(logged: list[Any]) -> None:
    # Given a notifications queue and two events
    sqs = FakeSqs()
    # When they are sent
    queued = sender.send_events(QUEUE, events("usr_1", "usr_2"), what="live event", sqs=sqs)
    # Then both are on the queue in one message (an envelope of their JSON), and nothing is logged
    assert queued == 2
    assert [(url, [parse_event(raw).user_id for raw in events_in(body)]) for url, body in sqs.sent] == [
        (QUEUE, ["usr_1", "usr_2"])
    ]
    assert logged == []


def test_many_events_are_packed_into_as_few_messages_as_fit(logged: list[Any]) -> None:
    # Given more events than one message carries
    sqs = FakeSqs()
    users = [f"usr_{i}" for i in range(2 * MAX_EVENTS + 1)]
    # When they are sent
    queued = sender.send_events(QUEUE, events(*users), what="notification event", sqs=sqs)
    # Then every event is queued once, in order, in three messages (25, 25 and the last one alone,
    # as its own JSON body: the format before envelopes)
    assert queued == len(users)
    carried = [[parse_event(raw).user_id for raw in events_in(body)] for _, body in sqs.sent]
    assert carried == [users[:MAX_EVENTS], users[MAX_EVENTS:-1], users[-1:]]
    assert json.loads(sqs.sent[-1][1])["userId"] == users[-1]


@pytest.mark.parametrize("queue_url", ["", None])
def test_events_are_logged_when_no_queue_is_configured(logged: list[Any], queue_url: str | None) -> None:
    # Given no notifications queue (a stage without notifications)
    sqs = FakeSqs()
    # When an event is sent
    queued = sender.send_events(queue_url, events("usr_1"), what="risk violation", sqs=sqs)
    # Then it is logged with its body, nothing is queued
    assert queued == 0
    assert sqs.sent == []
    assert [(level, msg, json.loads(extra["notification"])["userId"]) for level, msg, extra in logged] == [
        ("info", "risk violation (no notifications queue configured)", "usr_1")
    ]


def test_a_failure_raises_unless_the_events_are_best_effort(
    logged: list[Any], lost_metrics: dict[str, Any]
) -> None:
    # Given a queue SQS refuses
    sqs = FakeSqs(refuse=True)
    # When events that must arrive are sent, Then the failure reaches the caller (its retry covers it)
    with pytest.raises(ConnectionError):
        sender.send_events(QUEUE, events("usr_1"), what="report ready", sqs=sqs)
    assert lost_metrics == {}
    # When best-effort events are sent, Then nothing raises: the loss is logged and counted
    assert (
        sender.send_events(QUEUE, events("usr_1", "usr_2"), what="paper event", sqs=sqs, lost_metric="Lost")
        == 0
    )
    assert [(level, msg, extra["events"]) for level, msg, extra in logged] == [
        ("warning", "paper event not sent", 2)
    ]
    assert lost_metrics["Lost"]["Value"] == [2.0]


def test_event_sender_sends_one_event_at_a_time(logged: list[Any]) -> None:
    # Given a sender handed to a service as its notify
    sqs = FakeSqs()
    notify = sender.event_sender(QUEUE, what="report ready", sqs=sqs)
    # When it is called twice
    for event in events("usr_1", "usr_2"):
        notify(event)
    # Then both events are queued, each in its own message (its JSON body, as before envelopes)
    assert [json.loads(body)["userId"] for _, body in sqs.sent] == ["usr_1", "usr_2"]


def test_no_events_send_nothing(logged: list[Any]) -> None:
    sqs = FakeSqs()
    assert sender.send_events(QUEUE, [], what="paper event", sqs=sqs) == 0
    assert sqs.sent == [] and logged == []
