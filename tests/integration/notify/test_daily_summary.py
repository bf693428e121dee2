"""The daily summary: the day's closed trades of the users who want it, exact to the paisa fraction,
queued at 16:00 IST on trading days and emailed by the notifier."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3

from functions.manifest import function
from local.events.scheduled import scheduled_event
from local.lambda_runtime import make_context
from tests.support.auth import Account
from tests.support.gateway import Gateway
from tests.support.notify import Db, deliver, emails_to, make_user
from tradetrack.notify.envelope import events_in
from tradetrack.notify.summary import run

# 16:00 IST on Monday 2 March 2026 (a trading day) and on Tuesday 3 March (Holi, an NSE holiday)
MONDAY_1600 = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
HOLI_1600 = datetime(2026, 3, 3, 10, 30, tzinfo=UTC)


def fill(
    gateway: Gateway, user: Account, symbol: str, side: str, qty: int, price: str, fees: str, at: str
) -> None:
    body = {
        "symbol": symbol,
        "exchange": "NSE",
        "side": side,
        "quantity": qty,
        "price": price,
        "fees": fees,
        "executedAt": at,
    }
    reply = gateway.request("POST", "/v1/executions", token=user.access_token, json_body=body)
    assert reply.status == 201, reply.text


def trading_day(gateway: Gateway, user: Account) -> None:
    """Three round trips closed on 2 March, one closed the trading day before, one still open."""
    fill(gateway, user, "INFY", "BUY", 10, "1500.05", "12.3456", "2026-03-02T09:20:00")
    fill(gateway, user, "INFY", "SELL", 10, "1510.10", "10.0001", "2026-03-02T10:00:00")  # +100.5
    fill(gateway, user, "TCS", "BUY", 5, "4000", "5", "2026-03-02T09:30:00")
    fill(gateway, user, "TCS", "SELL", 5, "3990.5", "5", "2026-03-02T14:00:00")  # -47.5
    fill(gateway, user, "SBIN", "SELL", 100, "700.25", "1.1111", "2026-03-02T09:40:00")
    fill(gateway, user, "SBIN", "BUY", 100, "699.9", "1.1111", "2026-03-02T15:20:00")  # +35 (short)
    fill(gateway, user, "HDFCBANK", "BUY", 1, "1600", "0", "2026-02-27T10:00:00")
    fill(gateway, user, "HDFCBANK", "SELL", 1, "1610", "0", "2026-02-27T11:00:00")  # Friday: not today
    fill(gateway, user, "ITC", "BUY", 3, "410", "0", "2026-03-02T11:00:00")  # still open


def queue() -> tuple[Any, str]:
    sqs = boto3.client("sqs", region_name="ap-south-1")
    return sqs, sqs.create_queue(QueueName="notifications")["QueueUrl"]


def received(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [event for m in messages for event in events_in(m["Body"])]


def test_the_summary_sums_the_days_closed_trades_exactly(notify_ready: Gateway, mongo_db: Db) -> None:
    # Given a user who wants the daily summary and traded on Monday, and one who does not want it
    wants = make_user(notify_ready, mongo_db, types={"daily_summary": True})
    trading_day(notify_ready, wants)
    indifferent = make_user(notify_ready, mongo_db)
    trading_day(notify_ready, indifferent)
    quiet = make_user(notify_ready, mongo_db, types={"daily_summary": True})  # no trades today
    sqs, url = queue()
    # When the 16:00 IST run happens
    result = run(mongo_db, sqs, url, MONDAY_1600)
    # Then one event is queued, for the user who wants it, with exact sums and the best and worst trade
    assert result.users == 2 and quiet.user_id
    (event,) = received(sqs, url)
    trades = {t["symbol"]: t["_id"] for t in mongo_db["trades"].find({"userId": wants.user_id})}
    assert event == {
        "type": "daily_summary",
        "eventId": f"daily_summary:{wants.user_id}:2026-03-02",
        "userId": wants.user_id,
        "date": "2026-03-02",
        "tradeCount": 3,
        "realizedPnl": "88",
        "charges": "34.5679",
        "netPnl": "53.4321",
        "best": {"tradeId": trades["INFY"], "symbol": "INFY", "netPnl": "78.1543"},
        "worst": {"tradeId": trades["TCS"], "symbol": "TCS", "netPnl": "-57.5"},
    }
    # When the notifier delivers it
    assert deliver(event) == []
    # Then the email shows them to the paisa (the event keeps the exact sums)
    (mail,) = emails_to(wants.email)
    assert mail["subject"] == "TradeTrack: Daily summary for 2026-03-02"
    for line in (
        "Closed trades: 3",
        "Realized P&L: ₹88.00",
        "Charges: ₹34.57",
        "Net P&L: ₹53.43",
        "Best trade: INFY ₹78.15",
        "Worst trade: TCS -₹57.50",
    ):
        assert line in mail["text"]
    assert "Unsubscribe from daily summaries" in mail["html"]


def test_no_summary_on_an_nse_holiday(notify_ready: Gateway, mongo_db: Db) -> None:
    # Given a user who wants the summary
    make_user(notify_ready, mongo_db, types={"daily_summary": True})
    sqs, url = queue()
    # When the schedule fires on Holi
    result = run(mongo_db, sqs, url, HOLI_1600)
    # Then nothing is queued
    assert result.skipped == "Holi"
    assert received(sqs, url) == []


def test_the_scheduled_function_summarizes_the_rules_day(
    notify_ready: Gateway, mongo_db: Db, monkeypatch: Any
) -> None:
    from functions.daily_summary.handler import lambda_handler
    from tradetrack.config import reset_settings

    # Given a user who traded on Monday and the queue the function is configured with
    user = make_user(notify_ready, mongo_db, types={"daily_summary": True})
    trading_day(notify_ready, user)
    sqs, url = queue()
    monkeypatch.setenv("NOTIFICATIONS_QUEUE_URL", url)
    reset_settings()
    event = scheduled_event("daily-summary", event_id="e1", time=MONDAY_1600)
    # When EventBridge invokes it (twice: a retried invocation)
    first = lambda_handler(event, make_context(function("daily_summary")))
    lambda_handler(event, make_context(function("daily_summary")))
    # Then the day is the rule's day, and both runs queued the same event id (delivered once)
    assert first == {"day": "2026-03-02", "skipped": None, "users": 1, "queued": 1}
    bodies = received(sqs, url) + received(sqs, url)
    assert {b["eventId"] for b in bodies} == {f"daily_summary:{user.user_id}:2026-03-02"}
    assert deliver(*bodies) == []
    assert len(emails_to(user.email)) == 1
