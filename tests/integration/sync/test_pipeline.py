"""Broker sync end to end on moto SQS: scheduler → sync queue → sync worker → trade-updates queue →
trade-updates worker → executions, trades, sync log, notification events. Kite is a stub server
replaying Zerodha's documented payloads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
from pymongo.database import Database

from tests.integration.sync.conftest import kite_fixture, serve_kite_day, serve_upstox_day
from tests.support.broker_stub import BrokerStub, Reply
from tests.support.pipeline import KITE_APP, Pipeline, connected_account
from tradetrack.accounts.service import enqueue_sync
from tradetrack.aws import aws_client
from tradetrack.config import get_settings
from tradetrack.timeutil import ist_date

Document = dict[str, Any]
TOKEN_EXCEPTION = {
    "status": "error",
    "message": "Incorrect `api_key` or `access_token`.",
    "error_type": "TokenException",
}
DOWN = {"status": "error", "message": "Gateway timed out", "error_type": "NetworkException"}


def sync_now(pipeline: Pipeline, account: Document) -> None:
    """A manual sync of the account, carried through both queues."""
    enqueue_sync(
        aws_client("sqs"), get_settings().sync_queue_url, account, reason="manual", now=datetime.now(UTC)
    )
    pipeline.drain("sync")
    pipeline.drain("trade-updates")


def queue_first_sync(account: Document) -> None:
    """The sync request the OAuth callback queues for a newly connected account (its backfill)."""
    enqueue_sync(
        aws_client("sqs"),
        get_settings().sync_queue_url,
        account,
        reason="connect",
        now=datetime.now(UTC),
        backfill=True,
    )


def first_sync(pipeline: Pipeline, account: Document) -> None:
    """The first sync of a newly connected account, through both queues."""
    queue_first_sync(account)
    pipeline.drain("sync")
    pipeline.drain("trade-updates")


def deliveries_until_sqs_gives_up(pipeline: Pipeline, account: Document) -> int:
    """A manual sync request of the account, delivered until it succeeds or SQS gives up on it."""
    enqueue_sync(
        aws_client("sqs"), get_settings().sync_queue_url, account, reason="manual", now=datetime.now(UTC)
    )
    return pipeline.drain("sync")


def logs(db: Database[Document], account: Document) -> list[Document]:
    return list(db["sync_logs"].find({"accountId": account["_id"]}).sort("startedAt", 1))


def dies_once(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> dict[str, int]:
    """Make `module.name` raise on its first call (a worker killed there), then work; the call count."""
    real = getattr(module, name)
    calls = {"n": 0}

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def stored_account(db: Database[Document], account: Document) -> Document:
    found = db["broker_accounts"].find_one({"_id": account["_id"]})
    assert found is not None
    return found


def notifications(pipeline: Pipeline, kind: str) -> list[Any]:
    return [body for body in pipeline.notification_events() if body["type"] == kind]


def test_a_scheduled_sync_turns_broker_fills_into_trades(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given a connected Zerodha account and Kite serving a day of fills, orders and positions
    account = connected_account(mongo_db, user_id="u1")
    serve_kite_day(kite)
    # When the schedule fires and both queues are drained
    run = pipeline.schedule(datetime.now(UTC))
    pipeline.drain("sync")
    pipeline.drain("trade-updates")
    # Then the four fills are executions of the account, and their trades exist
    assert run["sent"] == 1
    stored = list(mongo_db["executions"].find({"accountId": account["_id"]}))
    # (fill identity: exchange, IST trade date and the exchange's trade id)
    assert sorted(e["externalId"].rsplit(":", 1)[1] for e in stored) == [
        "10000000",
        "40000000",
        "70000000",
        "90000000",
    ]
    assert {e["source"] for e in stored} == {"zerodha"}
    sbin = next(e for e in stored if e["symbol"] == "SBIN")
    assert (sbin["price"], sbin["quantity"], sbin["product"]) == (4_206_500, 1, "CNC")  # 420.65 exactly
    trades = list(mongo_db["trades"].find({"accountId": account["_id"]}))
    assert sorted(t["symbol"] for t in trades) == ["GOLDPETAL21JUNFUT", "SBIN", "USDINR21JUNFUT"]
    assert next(t for t in trades if t["symbol"] == "GOLDPETAL21JUNFUT")["quantity"] == 2
    # and the log tells what happened, reconciliation included
    (log,) = logs(mongo_db, account)
    assert log["status"] == "success"
    assert (log["fetched"], log["sent"], log["known"], log["inserted"], log["duplicates"]) == (4, 4, 0, 4, 0)
    assert log["orders"] == {"total": 10, "rejected": 1}
    mismatches = {m["instrument"]: m for m in log["reconciliation"]["mismatches"]}
    # (instruments by identity: a contract by underlying and expiry, a share by ISIN or symbol)
    assert (
        mismatches["MCX:LEADMINI:2017-12:FUT"]["broker"] == 1
        and mismatches["MCX:LEADMINI:2017-12:FUT"]["journal"] == 0
    )
    assert mismatches["EQ:SBIN"] == {"instrument": "EQ:SBIN", "broker": 0, "journal": 1, "difference": -1}
    assert log["reconciliation"]["matched"] == 1  # GOLDGUINEA: flat at the broker and in the journal
    # and Kite was called as documented, with the platform key and the account's token
    (request,) = kite.requests_to("GET", "/trades")
    assert request.headers["X-Kite-Version"] == "3"
    assert request.headers["Authorization"] == f"token {KITE_APP['apiKey']}:access-token-1"
    # and the user hears about each trade once
    confirmations = notifications(pipeline, "trade_confirmation")
    assert sorted(c["symbol"] for c in confirmations) == ["GOLDPETAL21JUNFUT", "SBIN", "USDINR21JUNFUT"]
    assert stored_account(mongo_db, account)["lastSyncStatus"] == "success"


def test_a_later_sync_sends_only_what_is_new(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given an account synced once
    account = connected_account(mongo_db, user_id="u1")
    serve_kite_day(kite)
    sync_now(pipeline, account)
    pipeline.notification_events()
    # When it is synced again with the same fills at the broker
    sync_now(pipeline, account)
    # Then nothing is sent, the fills count as duplicates, and nothing is announced again
    second = logs(mongo_db, account)[-1]
    assert (second["fetched"], second["sent"], second["known"]) == (4, 0, 4)
    assert mongo_db["executions"].count_documents({"accountId": account["_id"]}) == 4
    assert notifications(pipeline, "trade_confirmation") == []


def test_when_redis_forgets_what_was_seen_duplicates_are_counted_not_stored(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document], redis_client: redis.Redis
) -> None:
    # Given an account synced once, then Redis losing its memory of seen fills
    account = connected_account(mongo_db, user_id="u1")
    serve_kite_day(kite)
    sync_now(pipeline, account)
    trades_before = sorted((t["_id"], t["quantity"]) for t in mongo_db["trades"].find())
    redis_client.delete(f"sync:known:{account['_id']}")
    # When it syncs again
    sync_now(pipeline, account)
    # Then every fill is sent again and found to be a duplicate; executions and trades are unchanged
    second = logs(mongo_db, account)[-1]
    assert (second["sent"], second["inserted"], second["duplicates"]) == (4, 0, 4)
    assert mongo_db["executions"].count_documents({}) == 4
    assert sorted((t["_id"], t["quantity"]) for t in mongo_db["trades"].find()) == trades_before


def test_a_429_storm_is_waited_out_within_one_delivery(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given Kite answering /trades with three 429s before the data
    account = connected_account(mongo_db, user_id="u1")
    too_many = Reply(
        429,
        {"status": "error", "message": "Too many requests", "error_type": "NetworkException"},
        headers={"Retry-After": "0"},
    )
    serve_kite_day(kite, {"/trades": (too_many, too_many, too_many, kite_fixture("trades.json"))})
    # When the account syncs
    sync_now(pipeline, account)
    # Then the sync succeeded with every fill stored
    assert logs(mongo_db, account)[-1]["status"] == "success"
    assert len(kite.requests_to("GET", "/trades")) == 4
    assert mongo_db["executions"].count_documents({}) == 4


def test_a_broker_timeout_is_retried(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given Kite's first /trades reply slower than the 1 s client timeout
    account = connected_account(mongo_db, user_id="u1")
    slow = Reply(200, kite_fixture("trades.json"), delay_s=2.5)
    serve_kite_day(kite, {"/trades": (slow, kite_fixture("trades.json"))})
    # When the account syncs
    sync_now(pipeline, account)
    # Then the retry got the fills
    assert logs(mongo_db, account)[-1]["status"] == "success"
    assert mongo_db["executions"].count_documents({}) == 4


def test_a_broker_that_stays_down_fails_the_sync_three_times_then_tells_the_user(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given Kite answering 503 to everything
    account = connected_account(mongo_db, user_id="u1")
    serve_kite_day(kite, {"/trades": (Reply(503, DOWN, headers={"Retry-After": "0"}),)})
    # When the sync request is delivered until SQS gives up on it
    deliveries = deliveries_until_sqs_gives_up(pipeline, account)
    # Then it was tried three times, failed for good, and the user got one sync_failed notice
    assert deliveries == 3
    (log,) = logs(mongo_db, account)
    assert (log["status"], log["final"], log["attempt"]) == ("failed", True, 3)
    assert "NetworkException" in log["error"]
    (failed,) = notifications(pipeline, "sync_failed")
    assert failed["accountId"] == account["_id"] and failed["syncId"] == log["_id"]
    stored = stored_account(mongo_db, account)
    assert (stored["status"], stored["failures"], stored["lastSyncStatus"]) == ("active", 3, "failed")
    assert pipeline.bodies("sync-dlq") == []


def test_a_refused_token_marks_the_account_needs_login(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given Kite refusing the account's token
    account = connected_account(mongo_db, user_id="u1")
    serve_kite_day(kite, {"/trades": (Reply(403, TOKEN_EXCEPTION),)})
    # When the account syncs
    sync_now(pipeline, account)
    # Then the account needs a login, the user is asked to reconnect, and the scheduler leaves it alone
    stored = stored_account(mongo_db, account)
    assert stored["status"] == "needs_login"
    assert logs(mongo_db, account)[-1]["status"] == "needs_login"
    (event,) = notifications(pipeline, "needs_login")
    assert event["accountId"] == account["_id"] and event["broker"] == "zerodha"
    assert pipeline.schedule(datetime.now(UTC))["due"] == 0


def test_the_scheduler_marks_expired_logins_and_does_not_sync_them(
    pipeline: Pipeline, mongo_db: Database[Document]
) -> None:
    # Given an account whose Kite token expired at 06:00 IST
    account = connected_account(mongo_db, user_id="u1", expires_at=datetime.now(UTC) - timedelta(minutes=1))
    # When the schedule fires
    run = pipeline.schedule(datetime.now(UTC))
    # Then nothing is queued, the account needs a login and the user is told once
    assert (run["due"], run["expired"]) == (0, 1)
    assert pipeline.receive("sync") == []
    assert stored_account(mongo_db, account)["status"] == "needs_login"
    assert len(notifications(pipeline, "needs_login")) == 1


def test_the_same_trade_update_delivered_twice_is_applied_once(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given a sync whose trade update is waiting in its queue
    account = connected_account(mongo_db, user_id="u1")
    serve_kite_day(kite)
    enqueue_sync(
        aws_client("sqs"), get_settings().sync_queue_url, account, reason="manual", now=datetime.now(UTC)
    )
    pipeline.drain("sync")
    (message,) = pipeline.receive("trade-updates")
    # When SQS delivers it, and then delivers the same message again
    assert pipeline.deliver("trade-updates", [message]) == set()
    aws_client("sqs").send_message(QueueUrl=pipeline.queues["trade-updates"].url, MessageBody=message["Body"])
    pipeline.drain("trade-updates")
    # Then the executions are stored once and counted once
    assert mongo_db["executions"].count_documents({}) == 4
    (log,) = logs(mongo_db, account)
    assert (log["inserted"], log["duplicates"]) == (4, 0)
    assert len(notifications(pipeline, "trade_confirmation")) == 3


def test_a_trade_updates_worker_dying_mid_message_loses_and_duplicates_nothing(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a worker that dies after storing the executions, before deriving trades
    from tradetrack.sync import updates

    account = connected_account(mongo_db, user_id="u1")
    serve_kite_day(kite)
    calls = dies_once(monkeypatch, updates, "recompute_pairs")
    # When the sync runs and SQS redelivers the failed message
    sync_now(pipeline, account)
    # Then every execution is stored once and every trade exists
    assert calls["n"] == 2
    assert mongo_db["executions"].count_documents({}) == 4
    assert sorted(t["symbol"] for t in mongo_db["trades"].find()) == [
        "GOLDPETAL21JUNFUT",
        "SBIN",
        "USDINR21JUNFUT",
    ]
    assert len(notifications(pipeline, "trade_confirmation")) == 3


def test_a_sync_worker_dying_after_sending_loses_and_duplicates_nothing(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a sync worker that dies after sending the fills on, before finishing its log
    from tradetrack.sync import worker

    account = connected_account(mongo_db, user_id="u1")
    serve_kite_day(kite)
    dies_once(monkeypatch, worker, "reconcile")
    # When SQS redelivers the sync request and everything drains
    enqueue_sync(
        aws_client("sqs"), get_settings().sync_queue_url, account, reason="manual", now=datetime.now(UTC)
    )
    pipeline.drain("sync")
    pipeline.drain("trade-updates")
    # Then the fills were sent twice (same sync, same message key) but applied and stored once
    assert mongo_db["executions"].count_documents({}) == 4
    (log,) = logs(mongo_db, account)
    assert (log["status"], log["attempt"], log["sent"]) == ("success", 2, 4)
    assert (log["inserted"], log["duplicates"]) == (4, 0)
    assert len(notifications(pipeline, "trade_confirmation")) == 3


def test_a_first_upstox_sync_backfills_history(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given a newly connected Upstox account, Upstox serving today's fill and a historical trade
    account = connected_account(mongo_db, user_id="u1", broker="upstox", access_token="upstox-token")
    serve_upstox_day(kite, history=True)
    # When its first sync (the one the OAuth callback queues) runs
    now = datetime.now(UTC)
    first_sync(pipeline, account)
    # Then today's fill and the historical one are both in the journal
    symbols = sorted(e["symbol"] for e in mongo_db["executions"].find({"accountId": account["_id"]}))
    assert symbols == ["GMRINFRA", "RELIANCE"]
    # and history was asked for every segment, with the account's bearer token
    history = kite.requests_to("GET", "/v2/charges/historical-trades")
    assert {r.query["segment"][0] for r in history} == {"EQ", "FO", "COM", "CD"}
    assert history[0].headers["Authorization"] == "Bearer upstox-token"
    backfill = stored_account(mongo_db, account)["backfill"]
    assert backfill["status"] == "done" and backfill["fetched"] >= 1
    # and the past days' trades (both fills are of earlier days) get one summary, no confirmation each
    today = ist_date(now).isoformat()
    dates = [e["tradeDate"] for e in mongo_db["executions"].find({"accountId": account["_id"]})]
    assert len(dates) == 2 and all(day < today for day in dates)
    announced = pipeline.notification_events()
    assert [b for b in announced if b["type"] == "trade_confirmation"] == []
    (summary,) = [b for b in announced if b["type"] == "backfill_summary"]
    assert (summary["broker"], summary["fills"], summary["since"]) == ("upstox", 2, backfill["from"])
    # and the SPA hears that the sync succeeded and which trades changed
    (succeeded,) = [b for b in announced if b["type"] == "sync_succeeded"]
    assert (succeeded["accountId"], succeeded["sent"]) == (account["_id"], 2)
    (changed,) = [b for b in announced if b["type"] == "trades_changed"]
    assert changed["tradeIds"] == sorted(
        t["_id"] for t in mongo_db["trades"].find({"accountId": account["_id"]})
    )


def test_a_first_zerodha_sync_reports_that_history_needs_a_tradebook_import(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given a newly connected Zerodha account
    account = connected_account(mongo_db, user_id="u1")
    serve_kite_day(kite)
    # When its first sync runs with backfill asked for
    first_sync(pipeline, account)
    # Then today's fills are synced and the account says a Console tradebook import is needed
    assert mongo_db["executions"].count_documents({}) == 4
    backfill = stored_account(mongo_db, account)["backfill"]
    assert backfill["status"] == "import_required"
    assert "tradebook" in backfill["message"]


def test_a_manual_sync_that_cannot_run_says_why_in_its_log(
    pipeline: Pipeline, mongo_db: Database[Document], redis_client: redis.Redis
) -> None:
    # Given a manual sync queued while another sync of the account holds its lock
    from tradetrack.accounts.service import request_sync

    account = connected_account(mongo_db, user_id="u1")
    accepted = request_sync(
        mongo_db,
        redis_client,
        aws_client("sqs"),
        "u1",
        account["_id"],
        queue_url=get_settings().sync_queue_url,
        now=datetime.now(UTC),
    )
    redis_client.set(f"lock:sync:{account['_id']}", "someone-else", px=60_000)
    # When the worker takes the request
    pipeline.drain("sync")
    # Then its log is no longer "queued" but "skipped", with the reason
    (log,) = logs(mongo_db, account)
    assert log["_id"] == accepted.sync_id
    assert (log["status"], log["error"]) == ("skipped", "a sync of this account is already running")
