"""The notifier Lambda over moto SES/SNS, real FerretDB and Redis: what is actually sent, to whom,
and what happens when addresses are bad or AWS is throttling or down."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from functions.manifest import function
from local.lambda_runtime import make_context
from local.outbox import sent_email, sent_sms
from tests.support.gateway import Gateway
from tests.support.notify import (
    Db,
    deliver,
    emails_to,
    fail,
    make_user,
    sms_to,
    trade_event,
)
from tradetrack.db.notifications import notification_id

PHONE = "+919876543210"


def inbox_item(db: Db, event_id: str) -> dict[str, Any]:
    doc = db["notifications"].find_one({"_id": notification_id(event_id)})
    assert doc is not None
    return doc


def test_a_trade_confirmation_is_emailed_texted_and_kept_in_the_inbox(
    notify_ready: Gateway, mongo_db: Db
) -> None:
    # Given a user with email and SMS on and a verified phone
    user = make_user(notify_ready, mongo_db, phone=PHONE, verified=True, sms=True)
    event = trade_event(user.user_id)
    # When the event is delivered
    assert deliver(event) == []
    # Then one email went to the user, with both bodies and one-click unsubscribe headers
    (mail,) = emails_to(user.email)
    assert mail["subject"] == "TradeTrack: Trade closed: INFY"
    assert mail["from"] == "TradeTrack <alerts@tradetrack.example>"
    assert "Net P&L: ₹80.25" in mail["text"] and "Average entry: ₹1,500.05" in mail["text"]
    assert "<strong>INFY</strong>" in mail["html"]
    assert mail["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["headers"]["List-Unsubscribe"].startswith(
        "<http://127.0.0.1:3000/v1/notifications/unsubscribe?token="
    )
    # And one transactional SMS within one GSM-7 segment, the rupee written out
    (sms,) = sms_to(PHONE)
    assert sms["message"] == "LONG INFY x10 closed, net P&L Rs 80.25"
    # And the inbox records each channel's outcome
    item = inbox_item(mongo_db, event["eventId"])
    assert item["userId"] == user.user_id and item["readAt"] is None
    assert item["data"] == {"tradeId": "trd_1", "symbol": "INFY"}
    assert {c: d["status"] for c, d in item["deliveries"].items()} == {
        "email": "sent",
        "sms": "sent",
        "push": "skipped",  # no WebSocket API configured in this test
    }


def test_the_same_event_delivered_again_sends_nothing_more(notify_ready: Gateway, mongo_db: Db) -> None:
    # Given an event already delivered once
    user = make_user(notify_ready, mongo_db, phone=PHONE, verified=True, sms=True)
    event = trade_event(user.user_id)
    assert deliver(event) == []
    # When SQS delivers it again (a duplicate send, or a redelivery), twice in one batch and once more
    assert deliver(event, event, receive_count=2) == []
    # Then one email, one SMS and one inbox item exist
    assert len(emails_to(user.email)) == 1
    assert len(sms_to(PHONE)) == 1
    assert mongo_db["notifications"].count_documents({"userId": user.user_id}) == 1


def test_an_event_without_an_id_is_recognized_by_its_content(notify_ready: Gateway, mongo_db: Db) -> None:
    # Given the price alert event the market feed publishes (no eventId), chosen for email
    user = make_user(notify_ready, mongo_db)
    alert = {
        "type": "price_alert",
        "userId": user.user_id,
        "alertId": "alr_1",
        "symbol": "NSE:INFY",
        "condition": "above",
        "value": "1500",
        "price": "1501.5",
        "changePct": "1.2",
        "channels": ["email", "push"],
        "message": "NSE:INFY rose to or above 1500: last price 1501.5",
        "triggeredAt": "2026-03-02T04:00:00+00:00",
    }
    # When it is delivered twice
    assert deliver(alert) == []
    assert deliver(alert) == []
    # Then it was emailed once, and not pushed here (the feed pushed it when it fired)
    (mail,) = emails_to(user.email)
    assert "NSE:INFY crossed above 1,500.00 at 1,501.50" in mail["text"]
    assert "2026-03-02T09:30:00+05:30" in mail["text"]
    (item,) = mongo_db["notifications"].find({"userId": user.user_id})
    assert item["deliveries"]["push"] == {"status": "skipped", "reason": "pushed_by_market_feed"}
    assert item["deliveries"]["sms"] == {"status": "skipped", "reason": "channel_off"}


@pytest.mark.parametrize(
    ("prefs", "verified", "emailed", "texted", "reason"),
    [
        ({"email": False, "sms": True}, True, 0, 1, {"email": "channel_off"}),
        ({"sms": True}, False, 1, 0, {"sms": "phone_not_verified"}),
        ({"sms": False}, True, 1, 0, {"sms": "channel_off"}),
    ],
)
def test_channel_preferences_are_honoured(
    notify_ready: Gateway,
    mongo_db: Db,
    prefs: dict[str, Any],
    verified: bool,
    emailed: int,
    texted: int,
    reason: dict[str, str],
) -> None:
    # Given a user with these channel settings
    user = make_user(notify_ready, mongo_db, phone=PHONE, verified=verified, **prefs)
    event = trade_event(user.user_id)
    # When a trade confirmation is delivered
    assert deliver(event) == []
    # Then only the chosen channels were used, and the inbox says why the others were not
    assert len(emails_to(user.email)) == emailed
    assert len(sms_to(PHONE)) == texted
    deliveries = inbox_item(mongo_db, event["eventId"])["deliveries"]
    for channel, why in reason.items():
        assert deliveries[channel] == {"status": "skipped", "reason": why}


def test_a_type_switched_off_sends_nothing_and_the_summary_is_opt_in(
    notify_ready: Gateway, mongo_db: Db
) -> None:
    # Given a user who turned trade confirmations off and never turned the daily summary on
    user = make_user(notify_ready, mongo_db, types={"trade_confirmation": False})
    summary = {
        "type": "daily_summary",
        "eventId": f"daily_summary:{user.user_id}:2026-03-02",
        "userId": user.user_id,
        "date": "2026-03-02",
        "tradeCount": 1,
        "realizedPnl": "10",
        "charges": "1",
        "netPnl": "9",
    }
    # When both kinds of event arrive
    assert deliver(trade_event(user.user_id), summary) == []
    # Then nothing was sent and nothing was put in the inbox
    assert emails_to(user.email) == []
    assert mongo_db["notifications"].count_documents({"userId": user.user_id}) == 0


def test_a_bad_address_and_a_bad_number_are_recorded_failures_not_retries(
    notify_ready: Gateway, mongo_db: Db
) -> None:
    # Given a user whose stored address and number cannot be delivered to
    user = make_user(notify_ready, mongo_db, phone="+91 98765", verified=True, address="nobody@", sms=True)
    event = trade_event(user.user_id)
    # When the event is delivered
    failed = deliver(event)
    # Then the record is not retried, nothing went out, and each failure is on the notification
    assert failed == []
    assert sent_email() == [] and sent_sms() == []
    deliveries = inbox_item(mongo_db, event["eventId"])["deliveries"]
    assert deliveries["email"]["status"] == "failed"
    assert deliveries["email"]["reason"].startswith("invalid_address")
    assert deliveries["sms"]["status"] == "failed"
    assert deliveries["sms"]["reason"].startswith("invalid_number")


@pytest.mark.parametrize(
    ("service", "operation", "code"),
    [("sesv2", "send_email", "MessageRejected"), ("sns", "publish", "InvalidParameter")],
)
def test_addresses_aws_refuses_are_recorded_failures(
    notify_ready: Gateway, mongo_db: Db, service: str, operation: str, code: str
) -> None:
    # Given SES or SNS refusing this recipient for good
    user = make_user(notify_ready, mongo_db, phone=PHONE, verified=True, sms=True)
    refusing = fail(service, operation, code)
    event = trade_event(user.user_id)
    # When the event is delivered, and (for good measure) again
    assert deliver(event) == []
    assert deliver(event, receive_count=2) == []
    # Then AWS was asked once, and the refusal is recorded on that channel
    assert refusing.calls == 1
    channel = "email" if service == "sesv2" else "sms"
    failure = inbox_item(mongo_db, event["eventId"])["deliveries"][channel]
    assert failure["status"] == "failed" and code in failure["reason"]


def test_throttled_email_is_retried_without_texting_twice(notify_ready: Gateway, mongo_db: Db) -> None:
    # Given SES throttling the first send, and SNS working
    user = make_user(notify_ready, mongo_db, phone=PHONE, verified=True, sms=True)
    throttled = fail("sesv2", "send_email", "TooManyRequestsException", times=1)
    event, other = trade_event(user.user_id), trade_event(user.user_id, tradeId="trd_2")
    batch = [event, other]
    # When a batch with that event is delivered
    from tests.support.notify import run_notifier, sqs_event

    first = sqs_event(batch)
    (failed,) = run_notifier(first)
    # Then only the throttled record is reported for retry (the batch's sends run in parallel: the
    # first to reach SES is throttled); the SMS of both went out
    event = batch[[record["messageId"] for record in first["Records"]].index(failed)]
    assert len(sms_to(PHONE)) == 2
    assert inbox_item(mongo_db, event["eventId"])["deliveries"]["email"]["status"] == "retrying"
    # When SQS redelivers it
    assert deliver(event, receive_count=2) == []
    # Then the email is sent and the SMS is not sent again
    assert len(emails_to(user.email)) == 2
    assert len(sms_to(PHONE)) == 2
    assert throttled.calls == 3
    assert inbox_item(mongo_db, event["eventId"])["deliveries"]["email"]["status"] == "sent"


def test_an_sns_outage_fails_the_record_every_time_and_email_goes_once(
    notify_ready: Gateway, mongo_db: Db
) -> None:
    # Given SNS down for good
    user = make_user(notify_ready, mongo_db, phone=PHONE, verified=True, sms=True)
    down = fail("sns", "publish", "InternalError")
    event = trade_event(user.user_id)
    # When SQS delivers the event its three times (then the DLQ takes it)
    results = [deliver(event, receive_count=n) for n in (1, 2, 3)]
    # Then every attempt failed the record, SNS was tried each time, and the email went out once
    assert all(len(failed) == 1 for failed in results)
    assert down.calls == 3
    assert len(emails_to(user.email)) == 1
    assert inbox_item(mongo_db, event["eventId"])["deliveries"]["sms"]["status"] == "retrying"


def test_a_message_that_is_not_an_event_fails_alone(notify_ready: Gateway, mongo_db: Db) -> None:
    # Given a batch with a malformed message and a good one
    user = make_user(notify_ready, mongo_db)
    from tests.support.notify import run_notifier, sqs_event

    event = sqs_event([{"type": "spam", "userId": user.user_id}, trade_event(user.user_id)])
    # When it is delivered
    failed = run_notifier(event)
    # Then only the malformed one is reported (it ends in the DLQ), the good one went out
    assert failed == [event["Records"][0]["messageId"]]
    assert len(emails_to(user.email)) == 1


def test_push_goes_to_the_users_open_connections(
    notify_ready: Gateway, mongo_db: Db, redis_client: Any
) -> None:
    from tradetrack.aws import aws_client
    from tradetrack.config import get_settings
    from tradetrack.notify.idempotency import Idempotency
    from tradetrack.notify.service import Notifier
    from tradetrack.websocket import actions

    # Given a user with two open connections, one of which has gone away
    user = make_user(notify_ready, mongo_db)
    actions.connect(redis_client, "c-live", user.user_id, ttl_s=600)
    actions.connect(redis_client, "c-gone", user.user_id, ttl_s=600)
    posted: list[tuple[str, bytes]] = []

    def post(connection: str, data: bytes) -> bool:
        posted.append((connection, data))
        return connection != "c-gone"

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
    event = {
        "type": "needs_login",
        "eventId": uuid.uuid4().hex,
        "userId": user.user_id,
        "accountId": "acc_1",
        "broker": "zerodha",
    }
    # When the event is handled
    result = notifier.handle(event)
    # Then the live connection got the sync frame and the gone one was forgotten
    assert result["deliveries"]["push"] == {"status": "sent", "connections": 1}
    assert sorted(c for c, _ in posted) == ["c-gone", "c-live"]
    assert b'"type":"sync"' in posted[0][1] and b'"status":"needs_login"' in posted[0][1]
    assert redis_client.smembers(f"ws:user:{user.user_id}") == {"c-live"}


def backfill_event(user_id: str) -> dict[str, Any]:
    return {
        "type": "backfill_summary",
        "eventId": f"backfill_summary:{uuid.uuid4().hex}",
        "userId": user_id,
        "accountId": "ba_1",
        "broker": "upstox",
        "syncId": "sync_1",
        "fills": 240,
        "since": "2025-04-01",
    }


def test_a_backfill_summary_is_one_email_under_the_trade_confirmation_preferences(
    notify_ready: Gateway, mongo_db: Db
) -> None:
    # Given a user with trade confirmations on, and one who switched them off
    user = make_user(notify_ready, mongo_db)
    quiet = make_user(notify_ready, mongo_db, types={"trade_confirmation": False})
    # When each gets the summary of a first sync's backfill
    assert deliver(backfill_event(user.user_id), backfill_event(quiet.user_id)) == []
    # Then the first gets one email saying how much history came in, unsubscribing from confirmations
    (mail,) = emails_to(user.email)
    assert mail["subject"] == "TradeTrack: Upstox history imported"
    assert "TradeTrack imported 240 fills from your Upstox account since 2025-04-01." in mail["text"]
    assert ".trade_confirmation." in mail["headers"]["List-Unsubscribe"]
    (item,) = mongo_db["notifications"].find({"userId": user.user_id})
    assert item["type"] == "backfill_summary"
    assert (
        item["message"] == "Imported 240 fills from Upstox since 2025-04-01: your trades are in your journal."
    )
    # And the other gets nothing, not even an inbox item
    assert emails_to(quiet.email) == []
    assert mongo_db["notifications"].count_documents({"userId": quiet.user_id}) == 0
