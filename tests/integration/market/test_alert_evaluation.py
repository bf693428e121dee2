"""Price alerts on each feed tick, against real FerretDB: gaps, percent change, repeat, delete, races."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
import pytest
import redis
from moto import mock_aws
from pymongo.database import Database

from tests.integration.market.conftest import FakeManagement, FixedQuotes
from tradetrack.alerts import create_alert, delete_alert
from tradetrack.db.indexes import ensure_indexes
from tradetrack.market import alerting
from tradetrack.market.quote import Quote
from tradetrack.models.market import CreateAlertRequest
from tradetrack.websocket import actions

Db = Database[dict[str, Any]]


@pytest.fixture(autouse=True)
def indexed(mongo_db: Db) -> None:
    ensure_indexes(mongo_db)


def alert(db: Db, user: str = "usr_a", **fields: Any) -> str:
    request = CreateAlertRequest.model_validate({"symbol": "NSE:INFY", "channels": ["push"], **fields})
    return create_alert(db, user, request).alert_id


def quote(ltp: str, close: str = "100", symbol: str = "NSE:INFY") -> dict[str, Quote]:
    return {symbol: Quote(symbol=symbol, ltp=Decimal(ltp), close=Decimal(close), ts=datetime.now(UTC))}


def test_a_gap_through_the_level_fires(mongo_db: Db) -> None:
    # Given an alert above 100 with the price at 99
    alert_id = alert(mongo_db, condition="above", value="100")
    assert alerting.evaluate(mongo_db, quote("99")) == []
    # When the next tick gaps to 105 without ever printing 100
    fired = alerting.evaluate(mongo_db, quote("105"))
    # Then it fires, once, saying what crossed what (the words of the inbox, email and SMS)
    assert [f.alert_id for f in fired] == [alert_id]
    assert fired[0].message == "NSE:INFY crossed above 100.00 at 105.00"
    assert fired[0].price == "105"
    assert alerting.evaluate(mongo_db, quote("106")) == []
    assert mongo_db["alerts"].find_one({"_id": alert_id})["status"] == "triggered"  # type: ignore[index]


def test_below_fires_on_a_gap_down(mongo_db: Db) -> None:
    alert(mongo_db, condition="below", value="95.5")
    assert alerting.evaluate(mongo_db, quote("96")) == []
    assert len(alerting.evaluate(mongo_db, quote("80"))) == 1


def test_pct_change_is_measured_from_the_previous_close(mongo_db: Db) -> None:
    up = alert(mongo_db, condition="pct_change_above", value="2")
    down = alert(mongo_db, condition="pct_change_below", value="-3")
    # +1.99 % and -2.99 %: neither
    assert alerting.evaluate(mongo_db, quote("101.99")) == []
    assert alerting.evaluate(mongo_db, quote("97.01")) == []
    # +2 % exactly fires the first; -3.5 % fires the second
    assert [f.alert_id for f in alerting.evaluate(mongo_db, quote("102"))] == [up]
    fired = alerting.evaluate(mongo_db, quote("96.5"))
    assert [f.alert_id for f in fired] == [down]
    assert fired[0].message == "NSE:INFY is down 3.50% on the day (alert at -3.00%), at 96.50"


def test_repeat_rearms_only_after_the_price_returns(mongo_db: Db) -> None:
    alert_id = alert(mongo_db, condition="above", value="100", repeat=True)
    assert len(alerting.evaluate(mongo_db, quote("101"))) == 1
    # Staying above does not fire again
    assert alerting.evaluate(mongo_db, quote("102")) == []
    # Back below re-arms, above again fires again
    assert alerting.evaluate(mongo_db, quote("99")) == []
    assert len(alerting.evaluate(mongo_db, quote("100.05"))) == 1
    doc = mongo_db["alerts"].find_one({"_id": alert_id})
    assert doc is not None
    assert doc["status"] == "active"
    assert doc["triggerCount"] == 2


def test_a_deleted_alert_never_fires(mongo_db: Db) -> None:
    alert_id = alert(mongo_db, condition="above", value="100")
    delete_alert(mongo_db, "usr_a", alert_id)
    assert alerting.evaluate(mongo_db, quote("150")) == []


def test_an_alert_deleted_between_load_and_fire_does_not_fire(mongo_db: Db) -> None:
    # Given a tick that already loaded the alert
    alert_id = alert(mongo_db, condition="above", value="100")
    from tradetrack.db import alerts as repo

    loaded = repo.active_alerts(mongo_db, ["NSE:INFY"])
    assert [d["_id"] for d in loaded] == [alert_id]
    # When the user deletes it before the tick fires it / Then the atomic update finds nothing
    delete_alert(mongo_db, "usr_a", alert_id)
    assert repo.fire_once(mongo_db, loaded[0], datetime.now(UTC)) is False


def test_two_feed_invocations_racing_fire_the_alert_once(mongo_db: Db) -> None:
    # Given one alert, and eight evaluators (threads standing in for overlapping feed invocations)
    alert(mongo_db, condition="above", value="100")
    barrier = threading.Barrier(8)
    results: list[int] = []
    lock = threading.Lock()

    def evaluator() -> None:
        barrier.wait()
        fired = alerting.evaluate(mongo_db, quote("101"))
        with lock:
            results.append(len(fired))

    threads = [threading.Thread(target=evaluator) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then exactly one of them fired it
    assert sorted(results) == [0] * 7 + [1]


def test_a_repeating_alert_raced_fires_once_per_crossing(mongo_db: Db) -> None:
    alert(mongo_db, condition="below", value="100", repeat=True)
    barrier = threading.Barrier(6)
    counts: list[int] = []

    def evaluator() -> None:
        barrier.wait()
        counts.append(len(alerting.evaluate(mongo_db, quote("99"))))

    threads = [threading.Thread(target=evaluator) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 1


def test_fired_alert_reaches_the_users_connections_and_the_notifications_queue(
    mongo_db: Db,
    redis_client: redis.Redis,
    make_feed: Any,
    fixed_quotes: FixedQuotes,
    management: FakeManagement,
) -> None:
    # Given a user with two open connections, another user with one, and the user's alert
    for connection, user in (("a1", "usr_a"), ("a2", "usr_a"), ("b1", "usr_b")):
        actions.connect(redis_client, connection, user, ttl_s=7200)
    mongo_db["users"].insert_one({"_id": "usr_a", "phone": "+919876543210", "phoneVerified": True})
    alert_id = alert(mongo_db, "usr_a", condition="above", value="100", channels=["email", "sms"])
    fixed_quotes.set("NSE:INFY", "101")
    with mock_aws():
        sqs = boto3.client("sqs", region_name="ap-south-1")
        url = sqs.create_queue(QueueName="notifications")["QueueUrl"]
        feed = make_feed(fixed_quotes)
        feed.notifications_queue_url, feed.sqs = url, sqs
        # When a tick runs
        result = feed.tick()
        # Then the alert went to both of the user's connections and nowhere else
        assert result.alerts_fired == 1
        for connection in ("a1", "a2"):
            (data,) = management.sent[connection]
            message = json.loads(data)
            assert message["type"] == "alert"
            assert message["alertId"] == alert_id
            assert message["symbol"] == "NSE:INFY"
        assert "b1" not in management.sent
        # And a notification event is on the queue for the notifications feature
        (msg,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        event = json.loads(msg["Body"])
        assert event["type"] == "price_alert"
        assert event["userId"] == "usr_a"
        assert event["channels"] == ["email", "sms"]
        assert event["price"] == "101"
