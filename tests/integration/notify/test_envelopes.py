"""Envelopes on the notifications queue (tradetrack.notify.envelope): the producers' events packed
into few messages, each event delivered exactly once by the notifier; a message fails when any of
its events failed, and its redelivery skips those that succeeded. Messages of one event (the format
before envelopes, and the market feed's price alerts) are still read."""

from __future__ import annotations

import dataclasses
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from functions.manifest import function
from local.events.sqs import sqs_record
from local.lambda_runtime import make_context
from local.outbox import sent_email
from tests.support.gateway import Gateway
from tests.support.notify import Db, emails_to, fail, make_user, run_notifier, sms_to, sqs_event, trade_event
from tests.support.query_shapes import Window
from tradetrack.aws import aws_client
from tradetrack.db.notifications import notification_id
from tradetrack.market.alerting import FiredAlert, publish_event
from tradetrack.notify.envelope import MAX_EVENTS, events_in
from tradetrack.notify.events import parse_event
from tradetrack.notify.sender import event_sender, send_events

PHONE = "+919876543211"


def new_queue() -> str:
    url: str = aws_client("sqs").create_queue(QueueName=f"notifications-env-{uuid.uuid4().hex[:8]}")[
        "QueueUrl"
    ]
    return url


def received(url: str) -> list[dict[str, Any]]:
    """Every message on the queue, as the notifier's event source receives them (then deleted)."""
    sqs, found = aws_client("sqs"), []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get(
        "Messages", []
    ):
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        found += messages
    return found


def batch_of(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Records": [sqs_record(message, "notifications") for message in messages]}


def inbox_item(db: Db, event: dict[str, Any]) -> dict[str, Any]:
    item = db["notifications"].find_one({"_id": notification_id(event["eventId"])})
    assert item is not None
    return item


def emails_about(address: str, symbol: str) -> int:
    return sum(f"Trade closed: {symbol}" in mail["subject"] for mail in emails_to(address))


def test_the_producers_events_go_in_few_messages_and_each_is_delivered_once(
    notify_ready: Gateway, mongo_db: Db
) -> None:
    # Given trade confirmations for two users, more than one message carries, and a live event
    first, second = make_user(notify_ready, mongo_db), make_user(notify_ready, mongo_db)
    raw = [trade_event(first.user_id, tradeId=f"trd_{n}") for n in range(MAX_EVENTS)]
    raw += [trade_event(second.user_id, tradeId=f"trd_{n}") for n in range(MAX_EVENTS, MAX_EVENTS + 5)]
    raw.append({"type": "trades_changed", "userId": first.user_id, "source": "sync", "tradeIds": ["trd_0"]})
    url = new_queue()
    # When the producers' sender queues them
    assert send_events(url, [parse_event(r) for r in raw], what="notification event") == len(raw)
    # Then they are in two messages, every event once, in order
    messages = received(url)
    assert [len(events_in(m["Body"])) for m in messages] == [MAX_EVENTS, 6]
    carried = [parse_event(e) for m in messages for e in events_in(m["Body"])]
    assert carried == [parse_event(r) for r in raw]
    # When the notifier gets those messages
    assert run_notifier(batch_of(messages)) == []
    # Then every confirmation is in its user's inbox and emailed once; the live event made no item
    for user, count in ((first, MAX_EVENTS), (second, 5)):
        assert mongo_db["notifications"].count_documents({"userId": user.user_id}) == count
        assert len(emails_to(user.email)) == count
    assert all(inbox_item(mongo_db, event)["deliveries"]["email"]["status"] == "sent" for event in raw[:-1])
    # When the same messages are delivered again (a duplicate delivery)
    assert run_notifier(batch_of(messages)) == []
    # Then nothing more is sent or stored
    assert len(sent_email()) == len(raw) - 1
    assert (
        mongo_db["notifications"].count_documents({"userId": {"$in": [first.user_id, second.user_id]}}) == 30
    )


def test_a_failed_event_fails_its_message_and_the_redelivery_sends_only_what_failed(
    notify_ready: Gateway, mongo_db: Db
) -> None:
    # Given an envelope of three confirmations for a user who is emailed and texted, SES throttling
    # the first email sent
    user = make_user(notify_ready, mongo_db, phone=PHONE, verified=True, sms=True)
    symbols = ("INFY", "TCS", "SBIN")
    events = [trade_event(user.user_id, tradeId=f"trd_{s}", symbol=s) for s in symbols]
    throttled = fail("sesv2", "send_email", "TooManyRequestsException", times=1)
    envelope = sqs_event([{"events": events}])
    # When it is delivered
    (failed,) = run_notifier(envelope)
    # Then its record is reported for retry: one event's email is retrying, the other two went out,
    # and all three were texted
    assert failed == envelope["Records"][0]["messageId"]
    status = {e["symbol"]: inbox_item(mongo_db, e)["deliveries"] for e in events}
    retrying = [s for s in symbols if status[s]["email"]["status"] == "retrying"]
    assert len(retrying) == 1 and [emails_about(user.email, s) for s in symbols].count(1) == 2
    assert len(sms_to(PHONE)) == 3
    # When SQS redelivers the message
    assert run_notifier(sqs_event([{"events": events}], receive_count=2)) == []
    # Then only the failed email is sent: each confirmation emailed once, texted once, SES called
    # once more
    assert [emails_about(user.email, s) for s in symbols] == [1, 1, 1]
    assert len(sms_to(PHONE)) == 3
    assert throttled.calls == 4
    assert all(inbox_item(mongo_db, event)["deliveries"]["email"]["status"] == "sent" for event in events)


def test_an_event_that_is_none_fails_its_message_but_not_its_neighbours(
    notify_ready: Gateway, mongo_db: Db
) -> None:
    # Given an envelope with a malformed event between two good ones
    user = make_user(notify_ready, mongo_db)
    good = [
        trade_event(user.user_id, tradeId="trd_a", symbol="INFY"),
        trade_event(user.user_id, symbol="TCS"),
    ]
    envelope = sqs_event([{"events": [good[0], {"type": "spam", "userId": user.user_id}, good[1]]}])
    # When it is delivered, and redelivered
    first = run_notifier(envelope)
    again = run_notifier(envelope)
    # Then the message fails each time (the DLQ ends up with it), the good events went out once
    assert first == again == [envelope["Records"][0]["messageId"]]
    assert [emails_about(user.email, s) for s in ("INFY", "TCS")] == [1, 1]
    assert mongo_db["notifications"].count_documents({"userId": user.user_id}) == 2


def test_single_events_price_alerts_and_envelopes_are_read_in_one_batch(
    notify_ready: Gateway, mongo_db: Db
) -> None:
    # Given on the queue: a price alert as the market feed publishes it, a report's single event (its
    # own JSON, as before envelopes) and an envelope repeating that event with another
    user = make_user(notify_ready, mongo_db)
    url = new_queue()
    fired = FiredAlert(
        alert_id="alr_env",
        user_id=user.user_id,
        symbol="NSE:INFY",
        condition="above",
        value="1500",
        price="1501.5",
        change_pct=None,
        channels=["email"],
        message="NSE:INFY rose to or above 1500: last price 1501.5",
        triggered_at=datetime(2026, 3, 2, 4, 0, tzinfo=UTC),
    )
    publish_event(fired, queue_url=url, sqs=aws_client("sqs"))
    confirmation, other = trade_event(user.user_id, symbol="INFY"), trade_event(user.user_id, symbol="TCS")
    event_sender(url, what="notification event")(parse_event(confirmation))
    send_events(url, [parse_event(confirmation), parse_event(other)], what="notification event")
    messages = received(url)
    assert sorted(len(events_in(m["Body"])) for m in messages) == [1, 1, 2]
    # When the notifier gets them in one batch
    assert run_notifier(batch_of(messages)) == []
    # Then the alert and each confirmation are emailed and kept once
    subjects = sorted(mail["subject"] for mail in emails_to(user.email))
    assert subjects == [
        "TradeTrack: Price alert: NSE:INFY",
        "TradeTrack: Trade closed: INFY",
        "TradeTrack: Trade closed: TCS",
    ]
    assert mongo_db["notifications"].count_documents({"userId": user.user_id}) == 3


def test_a_batch_of_envelopes_keeps_the_notifiers_round_trips(
    notify_ready: Gateway, mongo_db: Db, mongo_commands: Window
) -> None:
    # Given two envelopes of confirmations for three users (docs/performance.md: the notifier's
    # budget is per batch of events, whatever the messages that carry them)
    users = [make_user(notify_ready, mongo_db) for _ in range(3)]
    events = [trade_event(users[n % 3].user_id, tradeId=f"trd_{n}") for n in range(8)]
    batch = sqs_event([{"events": events[:5]}, {"events": events[5:]}])
    # When the notifier delivers them
    start = len(mongo_commands.commands)
    assert run_notifier(batch) == []
    spent = Window(mongo_commands.commands[start:])
    # Then the users are read in one query and the eight inbox items inserted in one
    assert spent.round_trips == 2, spent.summary()
    assert (len(spent.reads("users")), len(spent.writes("notifications"))) == (1, 1), spent.summary()
    assert mongo_db["notifications"].count_documents({"userId": {"$in": [u.user_id for u in users]}}) == 8


def test_sends_not_started_near_the_timeout_are_retried_by_the_redelivery(
    notify_ready: Gateway, mongo_db: Db
) -> None:
    from functions.notifier.handler import lambda_handler

    # Given an envelope of two confirmations, and an invocation with 5 s left of its timeout
    user = make_user(notify_ready, mongo_db)
    events = [trade_event(user.user_id, symbol=s) for s in ("INFY", "TCS")]
    late = dataclasses.replace(make_context(function("notifier")), deadline_s=time.monotonic() + 5)
    # When the notifier gets it
    envelope = sqs_event([{"events": events}])
    response = lambda_handler(envelope, late)
    # Then no email is started: the message is reported for retry, each item's email waits
    assert response["batchItemFailures"] == [{"itemIdentifier": envelope["Records"][0]["messageId"]}]
    assert emails_to(user.email) == []
    assert {inbox_item(mongo_db, e)["deliveries"]["email"]["reason"] for e in events} == {"deadline"}
    # When SQS redelivers it to an invocation with its full time
    assert run_notifier(sqs_event([{"events": events}], receive_count=2)) == []
    # Then each is emailed once
    assert [emails_about(user.email, s) for s in ("INFY", "TCS")] == [1, 1]
    assert {inbox_item(mongo_db, e)["deliveries"]["email"]["status"] for e in events} == {"sent"}
