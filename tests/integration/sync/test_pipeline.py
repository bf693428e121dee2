"""Broker sync end to end on moto SQS: scheduler → sync queue → sync worker → trade-updates queue →
trade-updates worker → executions, trades, sync log, notification events. Kite is a stub server
replaying Zerodha's documented payloads."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import redis
from pymongo.database import Database

from tests.integration.sync.conftest import kite_fixture, serve_kite_day
from tests.support.broker_stub import BrokerStub, Reply
from tests.support.pipeline import KITE_APP, Pipeline, connected_account
from tradetrack.accounts.service import enqueue_sync
from tradetrack.aws import aws_client
from tradetrack.config import get_settings
from tradetrack.timeutil import IST, ist_date

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
    for path, name in (
        ("/v2/order/trades/get-trades-for-day", "trades.json"),
        ("/v2/order/retrieve-all", "orders.json"),
        ("/v2/portfolio/short-term-positions", "positions.json"),
        ("/v2/charges/historical-trades", "historical_trades_eq.json"),
    ):
        kite.route("GET", path, kite_fixture(name, "upstox"))
    # When its first sync (the one the OAuth callback queues) runs
    now = datetime.now(UTC)
    enqueue_sync(
        aws_client("sqs"), get_settings().sync_queue_url, account, reason="connect", now=now, backfill=True
    )
    pipeline.drain("sync")
    pipeline.drain("trade-updates")
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
    now = datetime.now(UTC)
    enqueue_sync(
        aws_client("sqs"), get_settings().sync_queue_url, account, reason="connect", now=now, backfill=True
    )
    pipeline.drain("sync")
    pipeline.drain("trade-updates")
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


# -- the broker's holdings on an account's first sync ------------------------------------------------

INFY_ISIN = "INE009A01021"
INFY = f"ISIN:{INFY_ISIN}"


def kite_holding(
    symbol: str, isin: str, quantity: int, average: str, *, exchange: str = "NSE", t1: int = 0
) -> Document:
    """A /portfolio/holdings row as Kite documents it (numbers exact)."""
    return {
        "tradingsymbol": symbol,
        "exchange": exchange,
        "isin": isin,
        "product": "CNC",
        "quantity": quantity,
        "used_quantity": 0,
        "t1_quantity": t1,
        "average_price": Decimal(average),
        "last_price": Decimal("1550.5"),
    }


def holdings_reply(*rows: Document) -> Document:
    return {"status": "success", "data": list(rows)}


def first_sync(pipeline: Pipeline, account: Document) -> None:
    """The sync the OAuth callback queues for a newly connected account, through both queues."""
    enqueue_sync(
        aws_client("sqs"),
        get_settings().sync_queue_url,
        account,
        reason="connect",
        now=datetime.now(UTC),
        backfill=True,
    )
    pipeline.drain("sync")
    pipeline.drain("trade-updates")


def opening_lots(db: Database[Document], account: Document) -> list[Document]:
    return sorted(
        db["executions"].find({"accountId": account["_id"], "source": "opening"}), key=lambda e: e["symbol"]
    )


def trades_of(db: Database[Document], account: Document, instrument: str) -> list[Document]:
    return list(db["trades"].find({"accountId": account["_id"], "instrument": instrument}))


def open_units(db: Database[Document], account: Document, instrument: str) -> int:
    return sum(t["openQuantity"] for t in trades_of(db, account, instrument) if t["status"] == "open")


def kite_sell(symbol: str, quantity: int, price: str, at: datetime, trade_id: str) -> Document:
    """A /trades row: a delivery sell filled at `at`."""
    stamp = at.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S")
    return {
        "trade_id": trade_id,
        "order_id": f"9{trade_id}",
        "exchange": "NSE",
        "tradingsymbol": symbol,
        "instrument_token": 408065,
        "product": "CNC",
        "average_price": Decimal(price),
        "quantity": quantity,
        "exchange_order_id": f"8{trade_id}",
        "transaction_type": "SELL",
        "fill_timestamp": stamp,
        "order_timestamp": stamp[11:],
        "exchange_timestamp": stamp,
    }


def test_a_first_sync_stores_the_brokers_holdings_as_snapshot_lots_of_the_day(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given a newly connected Zerodha account whose Kite holdings are the documented two (AARON, and
    # SBIN at an average of 801.78125), a sold-out row and a row without an average price
    account = connected_account(mongo_db, user_id="u1")
    serve_kite_day(kite)
    documented = json.loads(kite_fixture("holdings.json"), parse_float=Decimal)["data"]
    sold_out = kite_holding("TCS", "INE467B01029", 0, "3500")
    no_average = kite_holding("IDEA", "INE669E01016", 100, "0")
    kite.route("GET", "/portfolio/holdings", holdings_reply(*documented, sold_out, no_average))
    today = ist_date(datetime.now(UTC))
    # When its first sync runs
    first_sync(pipeline, account)
    # Then each holding is an opening lot of the account: a snapshot of today, from Zerodha
    aaron, sbin = opening_lots(mongo_db, account)
    assert (aaron["symbol"], aaron["quantity"], aaron["price"]) == ("AARON", 1, 1_610_000)
    assert (sbin["symbol"], sbin["exchange"], sbin["quantity"]) == ("SBIN", "BSE", 16)
    assert sbin["externalId"] == f"broker-holdings:{today.isoformat()}:INE062A01020"
    assert (sbin["snapshot"], sbin["openingOf"], sbin["side"], sbin["product"]) == (
        True,
        "zerodha",
        "BUY",
        "CNC",
    )
    assert sbin["executedAt"].astimezone(IST) == datetime.combine(today, datetime.min.time(), IST)
    # and its cost is the broker's average × units exactly (12,828.5), the price shown to 4 decimals
    assert (sbin["cost"], sbin["price"]) == (128_285_000, 8_017_812)
    # and its trade is open with those units
    assert open_units(mongo_db, account, "ISIN:INE062A01020") == 16
    # and the sync log counts the lots and the two rows that are not holdings
    (log,) = logs(mongo_db, account)
    assert log["status"] == "success"
    holdings = log["holdings"]
    assert (holdings["status"], holdings["lots"], holdings["skipped"], holdings["asOf"]) == (
        "done",
        2,
        2,
        today.isoformat(),
    )
    assert {row["symbol"] for row in holdings["skippedRows"]} == {"TCS", "IDEA"}
    (request,) = kite.requests_to("GET", "/portfolio/holdings")
    assert request.headers["Authorization"] == f"token {KITE_APP['apiKey']}:access-token-1"

    # When the account syncs again (the five-minute schedule, a manual sync)
    sync_now(pipeline, account)
    # Then its holdings are read again for the holdings snapshot (GET /v1/holdings), but they are
    # not opening lots again: the lots are as they were
    assert len(kite.requests_to("GET", "/portfolio/holdings")) == 2
    assert "holdings" not in logs(mongo_db, account)[-1]
    assert logs(mongo_db, account)[-1]["holdingsSnapshot"] == {"status": "stored", "count": 4}
    assert [lot["_id"] for lot in opening_lots(mongo_db, account)] == [aaron["_id"], sbin["_id"]]


def test_a_first_sync_delivered_again_stores_its_holdings_once(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given a first sync whose holdings were stored, its request still in the sync queue
    account = connected_account(mongo_db, user_id="u1")
    serve_kite_day(kite)
    kite.route("GET", "/portfolio/holdings", holdings_reply(kite_holding("INFY", INFY_ISIN, 10, "1500")))
    enqueue_sync(
        aws_client("sqs"),
        get_settings().sync_queue_url,
        account,
        reason="connect",
        now=datetime.now(UTC),
        backfill=True,
    )
    (message,) = pipeline.receive("sync")
    assert pipeline.deliver("sync", [message]) == set()
    lots_before = opening_lots(mongo_db, account)
    trades_before = trades_of(mongo_db, account, INFY)
    # When SQS delivers the same request again
    aws_client("sqs").send_message(QueueUrl=pipeline.queues["sync"].url, MessageBody=message["Body"])
    pipeline.drain("sync")
    pipeline.drain("trade-updates")
    # Then the lots are duplicates: nothing stored twice, the trade unchanged
    assert opening_lots(mongo_db, account) == lots_before
    assert [(t["_id"], t["openQuantity"]) for t in trades_of(mongo_db, account, INFY)] == [
        (t["_id"], t["openQuantity"]) for t in trades_before
    ]
    assert open_units(mongo_db, account, INFY) == 10
    (log,) = logs(mongo_db, account)
    assert (log["holdings"]["lots"], log["holdings"]["duplicates"]) == (1, 1)


def test_a_tradebook_imported_after_the_first_sync_does_not_count_a_holding_twice(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document], redis_client: redis.Redis
) -> None:
    # Given a Zerodha account whose first sync stored its holding of 10 INFY at 1500
    from tradetrack.imports.models import ImportRequest
    from tradetrack.imports.service import import_csv

    account = connected_account(mongo_db, user_id="u1")
    serve_kite_day(kite)
    kite.route("GET", "/portfolio/holdings", holdings_reply(kite_holding("INFY", INFY_ISIN, 10, "1500")))
    first_sync(pipeline, account)
    assert open_units(mongo_db, account, INFY) == 10
    # When the user imports the Console tradebook with the buy of those 10 INFY a month earlier
    bought: date = ist_date(datetime.now(UTC)) - timedelta(days=30)
    tradebook = (
        "symbol,isin,trade_date,exchange,segment,series,trade_type,auction,quantity,price,trade_id,"
        "order_id,order_execution_time\n"
        f"INFY,{INFY_ISIN},{bought.isoformat()},NSE,EQ,EQ,buy,false,10.000000,1400.000000,55500001,"
        f"1100000055500001,{bought.isoformat()}T10:00:00\n"
    )
    report = import_csv(
        mongo_db,
        redis_client,
        "u1",
        ImportRequest(format="zerodha_tradebook", csv=tradebook, account_id=account["_id"]),
    )
    assert report.imported == 1
    # Then exactly 10 units are open, not 20: the buy explains the holding, at its own price
    assert open_units(mongo_db, account, INFY) == 10
    (trade,) = [t for t in trades_of(mongo_db, account, INFY) if t["status"] == "open"]
    assert (trade["quantity"], trade["avgEntry"]) == (10, 14_000_000)


def test_a_later_sell_of_a_holding_realizes_pnl_against_the_holdings_cost(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given a Zerodha account whose first sync stored its holding of 10 INFY at 1500
    account = connected_account(mongo_db, user_id="u1")
    serve_kite_day(kite)
    kite.route("GET", "/portfolio/holdings", holdings_reply(kite_holding("INFY", INFY_ISIN, 10, "1500")))
    first_sync(pipeline, account)
    (lot,) = opening_lots(mongo_db, account)
    # When the user sells the 10 INFY at 1600 and the account syncs
    day = json.loads(kite_fixture("trades.json"), parse_float=Decimal)
    day["data"].append(kite_sell("INFY", 10, "1600", datetime.now(UTC), "77700001"))
    kite.route("GET", "/trades", day)
    sync_now(pipeline, account)
    # Then the sell closes the holding's lot: 1,000 of P&L against its cost of 15,000
    (trade,) = trades_of(mongo_db, account, INFY)
    assert (trade["status"], trade["quantity"], trade["openQuantity"]) == ("closed", 10, 0)
    assert lot["_id"] in trade["executionIds"]
    assert (trade["avgEntry"], trade["avgExit"]) == (15_000_000, 16_000_000)
    assert trade["realizedPnl"] == 10_000_000
    # and no unmatched exit is left for data quality
    assert mongo_db["data_quality"].count_documents({"accountId": account["_id"], "instrument": INFY}) == 0


def test_a_failing_holdings_call_does_not_fail_the_first_sync(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given a newly connected Zerodha account, Kite serving the day but failing /portfolio/holdings
    account = connected_account(mongo_db, user_id="u1")
    serve_kite_day(kite)
    kite.route("GET", "/portfolio/holdings", Reply(503, DOWN, headers={"Retry-After": "0"}))
    # When its first sync runs
    first_sync(pipeline, account)
    # Then the sync succeeded on its first attempt, the day's fills stored and no lot
    (log,) = logs(mongo_db, account)
    assert (log["status"], log["attempt"]) == ("success", 1)
    assert mongo_db["executions"].count_documents({"accountId": account["_id"]}) == 4
    assert opening_lots(mongo_db, account) == []
    # and the log says the holdings failed, and why
    assert log["holdings"]["status"] == "failed"
    assert "NetworkException" in log["holdings"]["reason"]
    stored = stored_account(mongo_db, account)
    assert (stored["lastSyncStatus"], stored["backfill"]["status"]) == ("success", "import_required")
    assert notifications(pipeline, "sync_failed") == []


def test_a_first_upstox_sync_stores_its_long_term_holdings(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given a newly connected Upstox account holding YESBANK and RELINFRA
    account = connected_account(mongo_db, user_id="u1", broker="upstox", access_token="upstox-token")
    for path, name in (
        ("/v2/order/trades/get-trades-for-day", "trades.json"),
        ("/v2/order/retrieve-all", "orders.json"),
        ("/v2/portfolio/short-term-positions", "positions.json"),
        ("/v2/charges/historical-trades", "historical_trades_eq.json"),
        ("/v2/portfolio/long-term-holdings", "holdings.json"),
    ):
        kite.route("GET", path, kite_fixture(name, "upstox"))
    # When its first sync runs
    first_sync(pipeline, account)
    # Then its holdings are snapshot lots from Upstox, next to the backfilled history
    lots = opening_lots(mongo_db, account)
    assert [(lot["symbol"], lot["quantity"], lot["cost"]) for lot in lots] == [
        ("RELINFRA", 1, 1_925_500),
        ("YESBANK", 36, 6_750_000),
    ]
    assert {(lot["openingOf"], lot["snapshot"]) for lot in lots} == {("upstox", True)}
    assert logs(mongo_db, account)[-1]["holdings"]["lots"] == 2
    assert stored_account(mongo_db, account)["backfill"]["status"] == "done"
