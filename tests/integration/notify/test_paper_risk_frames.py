"""The WebSocket frames the notifier pushes for paper orders, paper balances and risk violations
carry what the web app words its toasts from (docs/websocket.md): a paper order's instrument, side,
last fill and rejection reason; a violation's id, account and rule; a balance's version. A paper
order placed or partly filled is pushed only (no inbox item, no email) unless the user opts in."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import redis

from functions.manifest import function
from local.lambda_runtime import make_context
from tests.support.auth import Account
from tests.support.gateway import Gateway
from tests.support.notify import Db, deliver, emails_to, make_user
from tradetrack.aws import aws_client
from tradetrack.config import get_settings
from tradetrack.db.notifications import notification_id
from tradetrack.notify.idempotency import Idempotency
from tradetrack.notify.service import Notifier
from tradetrack.websocket import actions


class Pushed:
    """The frames posted to one user's open connection."""

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []

    def post(self, _connection: str, data: bytes) -> bool:
        self.frames.append(json.loads(data))
        return True


@pytest.fixture
def pushed() -> Pushed:
    return Pushed()


def notifier_for(mongo_db: Db, redis_client: redis.Redis, pushed: Pushed) -> Notifier:
    context: Any = make_context(function("notifier"))  # what the Lambda runtime hands the handler
    return Notifier(
        db=mongo_db,
        cache=redis_client,
        settings=get_settings(),
        idempotency=Idempotency(redis_client, ttl_s=600, context=context),
        ses=aws_client("sesv2"),
        sns=aws_client("sns"),
        post=pushed.post,
    )


def connected(gateway: Gateway, mongo_db: Db, redis_client: redis.Redis, **prefs: Any) -> Account:
    """A user with one open WebSocket connection (email on), notificationPrefs fields `prefs`."""
    user = make_user(gateway, mongo_db, **prefs)
    actions.connect(redis_client, f"c-{uuid.uuid4().hex[:8]}", user.user_id, ttl_s=600)
    return user


NO_FILL = {"lastFillQuantity": None, "lastFillPrice": None}  # a paper_order event before any fill


def paper_order(user_id: str, **overrides: Any) -> dict[str, Any]:
    """A paper_order event as paper sends it; an override of None leaves the field out."""
    event = {
        "type": "paper_order",
        "eventId": f"paper_order:po_7:{uuid.uuid4().hex[:8]}",
        "userId": user_id,
        "accountId": "pa_7",
        "orderId": "po_7",
        "event": "executed",
        "state": "executed",
        "symbol": "TCS",
        "exchange": "NSE",
        "side": "SELL",
        "orderType": "LIMIT",
        "product": "MIS",
        "quantity": 5,
        "filledQuantity": 5,
        "lastFillQuantity": 3,
        "lastFillPrice": "3512.25",
        "at": "2026-03-02T10:15:00+05:30",
        **overrides,
    }
    return {name: value for name, value in event.items() if value is not None}


def inbox(mongo_db: Db, user: Account) -> list[dict[str, Any]]:
    return list(mongo_db["notifications"].find({"userId": user.user_id}))


def test_an_executed_paper_order_frame_names_the_instrument_side_and_last_fill(
    notify_ready: Gateway, mongo_db: Db, redis_client: redis.Redis, pushed: Pushed
) -> None:
    # Given a connected user
    user = connected(notify_ready, mongo_db, redis_client)
    event = paper_order(user.user_id)
    # When the notifier delivers the order's execution
    notifier_for(mongo_db, redis_client, pushed).handle(event)
    # Then the frame carries the order's instrument, side, type, product, last fill and time, and
    # names the inbox item it also made
    assert pushed.frames == [
        {
            "type": "paper_order",
            "accountId": "pa_7",
            "orderId": "po_7",
            "event": "executed",
            "state": "executed",
            "symbol": "TCS",
            "exchange": "NSE",
            "side": "SELL",
            "orderType": "LIMIT",
            "product": "MIS",
            "quantity": 5,
            "filledQuantity": 5,
            "lastFillQuantity": 3,
            "lastFillPrice": "3512.25",
            "at": "2026-03-02T10:15:00+05:30",
            "notificationId": notification_id(event["eventId"]),
        }
    ]
    assert [item["_id"] for item in inbox(mongo_db, user)] == [notification_id(event["eventId"])]


def test_a_rejected_paper_order_frame_says_the_rule_that_failed(
    notify_ready: Gateway, mongo_db: Db, redis_client: redis.Redis, pushed: Pushed
) -> None:
    # Given a connected user
    user = connected(notify_ready, mongo_db, redis_client)
    reason = "risk: max_order_value: the order's value 17,561.25 is over the limit 10,000"
    # When the notifier delivers a rejection (nothing filled)
    rejected = paper_order(
        user.user_id,
        event="rejected",
        state="rejected",
        filledQuantity=0,
        **NO_FILL,
        reason=reason,
    )
    notifier_for(mongo_db, redis_client, pushed).handle(rejected)
    # Then the frame has the reason and no last fill; the rejection is kept in the inbox
    (frame,) = pushed.frames
    assert (frame["event"], frame["reason"], frame["symbol"], frame["side"]) == (
        "rejected",
        reason,
        "TCS",
        "SELL",
    )
    assert "lastFillPrice" not in frame and "lastFillQuantity" not in frame
    assert len(inbox(mongo_db, user)) == 1


@pytest.mark.parametrize("progress", ["placed", "partially_executed"])
def test_a_paper_orders_progress_is_pushed_only(
    notify_ready: Gateway, mongo_db: Db, redis_client: redis.Redis, pushed: Pushed, progress: str
) -> None:
    # Given a connected user with email on and default preferences
    user = connected(notify_ready, mongo_db, redis_client)
    filled = 2 if progress == "partially_executed" else 0
    event = paper_order(
        user.user_id,
        event=progress,
        state=progress if filled else "pending",
        filledQuantity=filled,
        **({} if filled else NO_FILL),
    )
    # When the notifier delivers the order's progress
    result = notifier_for(mongo_db, redis_client, pushed).handle(event)
    # Then the frame is pushed, without a notificationId (no inbox item), and nothing is emailed
    assert result["deliveries"] == {"push": {"status": "sent", "connections": 1}}
    (frame,) = pushed.frames
    assert (frame["event"], frame["symbol"], frame["filledQuantity"]) == (progress, "TCS", filled)
    assert "notificationId" not in frame
    assert inbox(mongo_db, user) == []
    assert emails_to(user.email) == []


def test_the_notifier_lambda_keeps_a_batchs_fill_but_not_its_progress(
    notify_ready: Gateway, mongo_db: Db
) -> None:
    # Given a user with email on and default preferences
    user = make_user(notify_ready, mongo_db)
    placed = paper_order(
        user.user_id,
        event="placed",
        state="pending",
        filledQuantity=0,
        **NO_FILL,
    )
    partly = paper_order(
        user.user_id, event="partially_executed", state="partially_executed", filledQuantity=3
    )
    executed = paper_order(user.user_id)
    # When the notifier Lambda gets the order's placement, partial fill and execution in one batch
    failed = deliver(placed, partly, executed)
    # Then only the execution is in the inbox and emailed
    assert failed == []
    assert [item["_id"] for item in inbox(mongo_db, user)] == [notification_id(executed["eventId"])]
    assert [mail["subject"] for mail in emails_to(user.email)] == ["TradeTrack: Paper order filled: TCS"]


def test_a_user_who_asks_for_paper_order_progress_gets_it_in_the_inbox_and_by_email(
    notify_ready: Gateway, mongo_db: Db, redis_client: redis.Redis, pushed: Pushed
) -> None:
    # Given a connected user whose preferences ask for paper order progress
    user = connected(notify_ready, mongo_db, redis_client, types={"paper_order_progress": True})
    event = paper_order(
        user.user_id, event="partially_executed", state="partially_executed", filledQuantity=3
    )
    # When the notifier delivers a partial execution
    notifier_for(mongo_db, redis_client, pushed).handle(event)
    # Then it is in the inbox, emailed and pushed with its notificationId
    assert [item["_id"] for item in inbox(mongo_db, user)] == [notification_id(event["eventId"])]
    (mail,) = emails_to(user.email)
    assert mail["subject"] == "TradeTrack: Paper order partly filled: TCS"
    assert pushed.frames[0]["notificationId"] == notification_id(event["eventId"])


def test_paper_order_progress_follows_the_paper_order_type_switch(
    notify_ready: Gateway, mongo_db: Db, redis_client: redis.Redis, pushed: Pushed
) -> None:
    # Given a connected user who switched paper order updates off
    user = connected(notify_ready, mongo_db, redis_client, types={"paper_order": False})
    # When a placement is delivered
    event = paper_order(
        user.user_id,
        event="placed",
        state="pending",
        filledQuantity=0,
        **NO_FILL,
    )
    result = notifier_for(mongo_db, redis_client, pushed).handle(event)
    # Then nothing at all is delivered
    assert result == {"status": "skipped", "reason": "type_off"}
    assert pushed.frames == [] and inbox(mongo_db, user) == []


def test_a_risk_violation_frame_names_the_violation_account_and_rule(
    notify_ready: Gateway, mongo_db: Db, redis_client: redis.Redis, pushed: Pushed
) -> None:
    # Given a connected user
    user = connected(notify_ready, mongo_db, redis_client)
    event_id = f"risk:{uuid.uuid4().hex[:8]}"
    event: dict[str, Any] = {
        "type": "risk_violation",
        "eventId": event_id,
        "userId": user.user_id,
        "violationId": "rv_42",
        "accountId": "pa_7",
        "rule": "max_daily_loss",
        "message": "Day loss 5,250 is over the limit 5,000; positions squared off",
        "day": "2026-03-02",
        "value": "5250.5",
        "limit": "5000",
        "squaredOff": True,
    }
    # When the notifier delivers the violation
    notifier_for(mongo_db, redis_client, pushed).handle(event)
    # Then the notification frame carries the violation's structured fields beside its words
    (frame,) = pushed.frames
    item_id = notification_id(event_id)
    assert {k: v for k, v in frame.items() if k not in ("title", "message")} == {
        "type": "notification",
        "notificationId": item_id,
        "notificationType": "risk_violation",
        "violationId": "rv_42",
        "accountId": "pa_7",
        "rule": "max_daily_loss",
        "day": "2026-03-02",
        "value": "5250.5",
        "limit": "5000",
        "squaredOff": True,
    }
    assert frame["title"] and frame["message"]


def test_a_paper_balance_frame_carries_the_balance_version(
    notify_ready: Gateway, mongo_db: Db, redis_client: redis.Redis, pushed: Pushed
) -> None:
    # Given a connected user
    user = connected(notify_ready, mongo_db, redis_client)
    balance = {"type": "paper_balance", "userId": user.user_id, "accountId": "pa_7"}
    figures = {"available": "90000", "held": "10000", "total": "100000"}
    # When a balance change with a version, and one from a producer that sends none, are delivered
    notifier = notifier_for(mongo_db, redis_client, pushed)
    notifier.handle({**balance, **figures, "version": 7})
    notifier.handle({**balance, **figures, "eventId": "no-version"})
    # Then the first frame has the version, the second none; neither is kept in the inbox
    assert pushed.frames == [
        {"type": "paper_balance", "accountId": "pa_7", **figures, "version": 7},
        {"type": "paper_balance", "accountId": "pa_7", **figures},
    ]
    assert inbox(mongo_db, user) == []
