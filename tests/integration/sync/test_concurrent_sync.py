"""The sync worker syncs a batch's accounts concurrently (functions/sync_worker, WORKERS threads):
what it stores and sends is what syncing them one by one does, a failing account fails alone, each
log line names its own account, and a message delivered twice in one batch corrupts nothing."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo.database import Database

from local.brokers import bootstrap_brokers
from local.events.sqs import sqs_event
from tests.bench.kite_day import kite_day
from tests.support.broker_stub import BrokerStub, Reply, Request
from tests.support.lambda_events import lambda_context
from tests.support.pipeline import Pipeline, connected_account
from tradetrack.accounts.service import enqueue_sync
from tradetrack.aws import aws_client
from tradetrack.config import get_settings, reset_settings
from tradetrack.observability import logger

Document = dict[str, Any]
DOWN = {"status": "error", "message": "Gateway timed out", "error_type": "NetworkException"}


@pytest.fixture
def worker(pipeline: Pipeline, kite: BrokerStub, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The sync worker's handler module, its accounts at the "simulated" broker (Kite v3 spoken by
    the stub, 500 requests/s, as the sync bench uses it: Zerodha's 10/s would make the tests' 1 s
    of broker time (10 s of Lambda timeout less SAFETY_MS) the bound, not the worker)."""
    from functions.sync_worker import handler

    monkeypatch.setenv("SIMULATED_BROKER_URL", kite.url)
    reset_settings()
    bootstrap_brokers({"simulated": {"apiKey": "sim-key", "apiSecret": "sim-secret"}})
    return handler


def simulated_account(db: Database[Document], user_id: str, token: str) -> Document:
    return connected_account(db, user_id=user_id, broker="simulated", access_token=token)


def serve_days(kite: BrokerStub, days: dict[str, int], *, down: Collection[str] = ()) -> None:
    """Kite answering each access token with its own day of `days[token]` fills (the bench's day:
    fills, their orders, positions, no holdings); tokens in `down` get a retryable 503."""
    for path in ("/trades", "/orders", "/portfolio/positions", "/portfolio/holdings"):

        def reply(request: Request, path: str = path) -> Reply | Any:
            token = request.headers["Authorization"].rsplit(":", 1)[1]
            if token in down:
                return Reply(503, DOWN)
            return kite_day(days[token])[path]

        kite.answer("GET", path, reply)


def queue_syncs(accounts: list[Document]) -> None:
    for account in accounts:
        enqueue_sync(
            aws_client("sqs"), get_settings().sync_queue_url, account, reason="manual", now=datetime.now(UTC)
        )


def sync_batch(pipeline: Pipeline, count: int) -> tuple[list[dict[str, Any]], set[str]]:
    """The `count` sync requests waiting, delivered as one batch; (the messages, the failed ids)."""
    messages: list[dict[str, Any]] = []
    while len(messages) < count and (more := pipeline.receive("sync")):
        messages += more
    assert len(messages) == count
    return messages, pipeline.deliver("sync", messages)


def apply_updates(pipeline: Pipeline) -> list[Document]:
    """Every trade-updates message waiting, applied; their bodies."""
    bodies = []
    while messages := pipeline.receive("trade-updates"):
        bodies += [json.loads(m["Body"]) for m in messages]
        assert pipeline.deliver("trade-updates", messages) == set()
    return bodies


def most_at_once(monkeypatch: pytest.MonkeyPatch, worker: Any) -> Callable[[], dict[str, int]]:
    """Counts syncs in flight (the handler's sync_account): the most at once, overall and per account."""
    real, lock = worker.sync_account, threading.Lock()
    running: Counter[str] = Counter()
    peak: Counter[str] = Counter()

    def counted(ctx: Any, request: Any, **kwargs: Any) -> Any:
        with lock:
            running[request.account_id] += 1
            running["*"] += 1
            for key in (request.account_id, "*"):
                peak[key] = max(peak[key], running[key])
        try:
            return real(ctx, request, **kwargs)
        finally:
            with lock:
                running[request.account_id] -= 1
                running["*"] -= 1

    monkeypatch.setattr(worker, "sync_account", counted)
    return lambda: dict(peak)


def stored_by_account(db: Database[Document], accounts: list[Document], bodies: list[Document]) -> list[Any]:
    """What each account's sync left (sync log, orders, executions, trade-updates messages), with the
    account's ids and the sync's clock taken out: comparable between two sets of accounts."""
    started = min(a["createdAt"] for a in accounts)

    def plain(value: Any, ids: dict[str, str]) -> Any:
        if isinstance(value, dict):
            return {k: plain(v, ids) for k, v in sorted(value.items()) if k != "_id"}
        if isinstance(value, list):
            return [plain(v, ids) for v in value]
        if isinstance(value, str):
            for real in sorted(ids, key=len, reverse=True):  # a sync id before a user id it may hold
                value = value.replace(real, ids[real])
            return value
        if isinstance(value, datetime):
            return "<now>" if value.replace(tzinfo=value.tzinfo or UTC) >= started else value
        return value

    found = []
    for account in accounts:
        (log,) = db["sync_logs"].find({"accountId": account["_id"]})
        ids = {account["_id"]: "<account>", account["userId"]: "<user>", log["_id"]: "<sync>"}
        of_account = {"accountId": account["_id"]}
        orders = sorted(db["orders"].find(of_account), key=lambda d: d["orderId"])
        executions = sorted(db["executions"].find(of_account), key=lambda d: d["externalId"])
        sent = sorted((b for b in bodies if b["accountId"] == account["_id"]), key=lambda b: b.get("part", 0))
        found.append(plain({"log": log, "orders": orders, "executions": executions, "sent": sent}, ids))
    return found


def test_a_batch_synced_concurrently_stores_and_sends_what_one_by_one_does(
    pipeline: Pipeline,
    kite: BrokerStub,
    mongo_db: Database[Document],
    worker: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given two sets of five accounts with the same broker days (3 to 40 fills), one set synced
    # one by one
    days = [3, 12, 40, 7, 25]
    one_by_one = [simulated_account(mongo_db, f"user-one-by-one-{i}", f"tok-{n}") for i, n in enumerate(days)]
    together = [simulated_account(mongo_db, f"user-together-{i}", f"tok-{n}") for i, n in enumerate(days)]
    serve_days(kite, {f"tok-{n}": n for n in days})
    peak = most_at_once(monkeypatch, worker)
    monkeypatch.setattr(worker, "WORKERS", 1)
    queue_syncs(one_by_one)
    assert sync_batch(pipeline, 5)[1] == set()
    sent_one_by_one = apply_updates(pipeline)
    assert peak()["*"] == 1
    # When the other set's batch is synced four at a time
    monkeypatch.setattr(worker, "WORKERS", 4)
    queue_syncs(together)
    _, failed = sync_batch(pipeline, 5)
    sent_together = apply_updates(pipeline)
    # Then every record succeeded, several ran at once, and each account's sync log, orders,
    # executions and trade-updates messages are the same as its twin's synced one by one
    assert failed == set()
    assert peak()["*"] > 1
    first = stored_by_account(mongo_db, one_by_one, sent_one_by_one)
    second = stored_by_account(mongo_db, together, sent_together)
    assert [f["log"]["status"] for f in second] == ["success"] * 5
    assert [len(f["executions"]) for f in second] == days
    assert second == first


def test_a_failing_account_fails_alone_in_a_concurrent_batch(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document], worker: Any
) -> None:
    # Given five accounts, the broker down for the third one's token
    tokens = ["tok-a", "tok-b", "tok-down", "tok-c", "tok-d"]
    accounts = [simulated_account(mongo_db, f"u{i}", t) for i, t in enumerate(tokens)]
    serve_days(kite, dict.fromkeys(tokens, 6), down={"tok-down"})
    queue_syncs(accounts)
    # When their batch is synced concurrently
    messages, failed = sync_batch(pipeline, 5)
    # Then the third account's record alone goes back to SQS, its log failed (to be retried) ...
    assert worker.WORKERS > 1
    (failed_id,) = failed
    body = json.loads(next(m["Body"] for m in messages if m["MessageId"] == failed_id))
    assert body["accountId"] == accounts[2]["_id"]
    status = {log["accountId"]: log for log in mongo_db["sync_logs"].find()}
    assert (status[accounts[2]["_id"]]["status"], status[accounts[2]["_id"]]["final"]) == ("failed", False)
    # ... and the others synced and sent their fills
    assert [status[a["_id"]]["status"] for i, a in enumerate(accounts) if i != 2] == ["success"] * 4
    sent = Counter(b["accountId"] for b in apply_updates(pipeline))
    assert sent == {a["_id"]: 1 for i, a in enumerate(accounts) if i != 2}


class LogLines(logging.Handler):
    """The product logger's lines as Powertools writes them, formatted on the thread that logs
    (where its thread-local keys are), as parsed JSON."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[Document] = []
        self.setFormatter(logger.registered_formatter)

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def log_lines() -> Iterator[list[Document]]:
    handler = LogLines()
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logging.getLogger(logger.name).removeHandler(handler)


def test_each_log_line_of_a_concurrent_batch_names_its_own_account(
    pipeline: Pipeline,
    kite: BrokerStub,
    mongo_db: Database[Document],
    worker: Any,
    log_lines: list[Document],
) -> None:
    # Given six accounts whose broker days differ in size (1 to 6 fills), the fifth's broker down
    days = {f"tok-{n}": n for n in range(1, 7)}
    accounts = [simulated_account(mongo_db, f"u{n}", f"tok-{n}") for n in range(1, 7)]
    serve_days(kite, days, down={"tok-5"})
    queue_syncs(accounts)
    # When their batch is synced concurrently
    _, failed = sync_batch(pipeline, 6)
    # Then each "sync finished" line carries the account and sync of the fills it counts
    assert len(failed) == 1 and worker.WORKERS > 1
    sync_of = {log["accountId"]: log["_id"] for log in mongo_db["sync_logs"].find()}
    fills_of = {a["_id"]: n for a, n in zip(accounts, range(1, 7), strict=True)}
    finished = [line for line in log_lines if line["message"] == "sync finished"]
    assert sorted(line["sent"] for line in finished) == [1, 2, 3, 4, 6]
    for line in finished:
        assert line["sent"] == fills_of[line["accountId"]]
        assert line["syncId"] == sync_of[line["accountId"]]
    # and the failing account's lines (the broker failure, the record's failure) name it alone
    down = accounts[4]["_id"]
    failing = [line for line in log_lines if line["message"] in ("broker sync failed", "record failed")]
    assert [line["message"] for line in failing] == ["broker sync failed", "record failed"]
    assert [(line["accountId"], line["syncId"]) for line in failing] == [(down, sync_of[down])] * 2
    # and no account stays on the logger's keys after the batch, process-wide or on this thread
    assert "accountId" not in logger.get_current_keys()
    assert "accountId" not in logger.thread_safe_get_current_keys()


def test_a_message_delivered_twice_in_one_batch_is_synced_one_after_the_other(
    pipeline: Pipeline,
    kite: BrokerStub,
    mongo_db: Database[Document],
    worker: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given three accounts' requests, the first account's delivered twice in the same batch
    accounts = [simulated_account(mongo_db, f"u{i}", f"tok-{i}") for i in range(3)]
    serve_days(kite, {f"tok-{i}": 8 for i in range(3)})
    queue_syncs(accounts)
    messages: list[dict[str, Any]] = []
    while more := pipeline.receive("sync"):
        messages += more
    first = next(m for m in messages if json.loads(m["Body"])["accountId"] == accounts[0]["_id"])
    twice = [*messages, {**first, "MessageId": "the-same-message-again"}]
    peak = most_at_once(monkeypatch, worker)
    # When the batch is synced concurrently
    result = worker.lambda_handler(sqs_event(twice, "sync"), lambda_context())
    for message in messages:
        aws_client("sqs").delete_message(
            QueueUrl=pipeline.queues["sync"].url, ReceiptHandle=message["ReceiptHandle"]
        )
    # Then both copies succeeded, one after the other (never at once), beside the other accounts
    assert result == {"batchItemFailures": []}
    at_once = peak()
    assert (at_once[accounts[0]["_id"]], at_once["*"] > 1) == (1, True)
    # and the account has one sync log, succeeded, and each fill and order once
    bodies = apply_updates(pipeline)
    (log,) = mongo_db["sync_logs"].find({"accountId": accounts[0]["_id"]})
    assert (log["status"], log["fetched"], log["inserted"], log["duplicates"]) == ("success", 8, 8, 0)
    assert "error" not in log
    assert mongo_db["executions"].count_documents({"accountId": accounts[0]["_id"]}) == 8
    assert mongo_db["orders"].count_documents({"accountId": accounts[0]["_id"]}) == 8
    # (the second copy synced again and sent the same message again, which the trade-updates
    # worker applies once)
    assert Counter(b["accountId"] for b in bodies)[accounts[0]["_id"]] == 2
    assert len({json.dumps(b, sort_keys=True) for b in bodies if b["accountId"] == accounts[0]["_id"]}) == 1


def test_concurrent_syncs_stop_calling_the_broker_at_the_invocations_deadline(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document], worker: Any
) -> None:
    # Given four accounts whose broker answers each request after 0.4 s (a sync makes five), and
    # an invocation with 1 s of broker time (the tests' 10 s Lambda timeout less SAFETY_MS, at
    # least 1 s)
    accounts = [simulated_account(mongo_db, f"u{i}", f"tok-{i}") for i in range(4)]
    for path in ("/trades", "/orders", "/portfolio/positions", "/portfolio/holdings"):
        kite.route("GET", path, Reply(body=kite_day(3)[path], delay_s=0.4))
    queue_syncs(accounts)
    # When their batch is synced concurrently
    started = time.monotonic()
    _, failed = sync_batch(pipeline, 4)
    spent = time.monotonic() - started
    # Then every sync gave up at the deadline (no broker wait past it; their broker calls alone
    # would take 8 s), to be retried: each record back to SQS, each log failed and not final
    assert worker.WORKERS > 1
    assert spent < 2.5
    assert len(failed) == 4
    logs = list(mongo_db["sync_logs"].find())
    assert [(log["status"], log["final"]) for log in logs] == [("failed", False)] * 4
