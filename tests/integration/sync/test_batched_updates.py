"""The trade-updates worker applies a batch of messages together (one insert, one recompute per
user): what a batch, its redelivery and a failure in it leave behind, and the Mongo round trips a
sync and its update make (counted on the wire with a pymongo CommandListener)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo.database import Database

from tests.bench.kite_day import kite_day
from tests.conftest import QUERY_SHAPES
from tests.integration.sync.conftest import serve_kite_day
from tests.support.broker_stub import BrokerStub
from tests.support.pipeline import Pipeline, connected_account
from tests.support.query_shapes import Window
from tests.support.servers import Server
from tradetrack.accounts.service import enqueue_sync
from tradetrack.aws import aws_client
from tradetrack.config import get_settings
from tradetrack.db.executions import InsertReport, insert_each
from tradetrack.trades import recompute_pairs

Document = dict[str, Any]


@contextmanager
def counted(server: Server) -> Iterator[Window]:
    """The product's Mongo commands on the suite's client while the block runs."""
    if not server.url:
        pytest.skip("round trips are counted on a real server")
    with QUERY_SHAPES.window() as window:
        yield window


def queue_sync(account: Document) -> None:
    enqueue_sync(
        aws_client("sqs"), get_settings().sync_queue_url, account, reason="manual", now=datetime.now(UTC)
    )


def serve_fills(kite: BrokerStub, fills: int) -> None:
    for path, body in kite_day(fills).items():
        kite.route("GET", path, body)


def updates_waiting(pipeline: Pipeline) -> list[dict[str, Any]]:
    """Everything in trade-updates, received (one batch of at most ten)."""
    return pipeline.receive("trade-updates", count=10)


def synced_and_waiting(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document], *users: str
) -> tuple[dict[str, Document], list[dict[str, Any]]]:
    """An account of each user, synced on the Kite day (serve_kite_day); the accounts by user and
    the trade-updates batch waiting."""
    accounts = {user: connected_account(mongo_db, user_id=user) for user in users}
    serve_kite_day(kite)
    for account in accounts.values():
        queue_sync(account)
    pipeline.drain("sync")
    return accounts, updates_waiting(pipeline)


def test_a_batch_stores_every_fill_once_and_recomputes_each_user_once(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two accounts of one user and one of another, synced, their updates waiting together
    from tradetrack.sync import updates

    accounts = [connected_account(mongo_db, user_id=user) for user in ("u1", "u1", "u2")]
    serve_fills(kite, 20)
    for account in accounts:
        queue_sync(account)
    pipeline.drain("sync")
    batch = updates_waiting(pipeline)
    assert len(batch) == 3
    users: list[str] = []
    real = recompute_pairs

    def spy(db: Any, cache: Any, user_id: str, *args: Any, **kwargs: Any) -> Any:
        users.append(user_id)
        return real(db, cache, user_id, *args, **kwargs)

    monkeypatch.setattr(updates, "recompute_pairs", spy)
    # When the batch is delivered
    assert pipeline.deliver("trade-updates", batch) == set()
    # Then every fill is stored once, each user recomputed once, each sync log counts its own
    assert mongo_db["executions"].count_documents({}) == 60
    assert sorted(users) == ["u1", "u2"]
    trades = [mongo_db["trades"].count_documents({"accountId": account["_id"]}) for account in accounts]
    assert trades == [12, 12, 12]  # the same 20 fills (5 instruments, partial exits) in each account
    for account in accounts:
        (log,) = mongo_db["sync_logs"].find({"accountId": account["_id"]})
        assert (log["inserted"], log["duplicates"]) == (20, 0)
    # And every trade is announced once
    announced = pipeline.notification_events()
    confirmations = [b for b in announced if b["type"] == "trade_confirmation"]
    assert sorted(c["tradeId"] for c in confirmations) == sorted(t["_id"] for t in mongo_db["trades"].find())
    # And the batch tells each user once which of their trades changed (one live event, not 24)
    changed = {b["userId"]: b for b in announced if b["type"] == "trades_changed"}
    assert sorted(changed) == ["u1", "u2"]
    for user in ("u1", "u2"):
        assert changed[user]["source"] == "sync"
        assert changed[user]["tradeIds"] == sorted(
            t["_id"] for t in mongo_db["trades"].find({"userId": user})
        )


def test_a_redelivered_batch_creates_no_duplicates(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document]
) -> None:
    # Given a batch of two syncs' updates, applied
    accounts, batch = synced_and_waiting(pipeline, kite, mongo_db, "u1", "u2")
    assert pipeline.deliver("trade-updates", batch) == set()
    trades = sorted(t["_id"] for t in mongo_db["trades"].find())
    first = pipeline.notification_events()
    # When SQS delivers the same messages again (a duplicate send, then the whole batch)
    for message in batch:
        aws_client("sqs").send_message(
            QueueUrl=pipeline.queues["trade-updates"].url, MessageBody=message["Body"]
        )
    assert pipeline.drain("trade-updates") == 2
    # Then nothing is stored twice, counted twice or announced again
    assert mongo_db["executions"].count_documents({}) == 8
    assert sorted(t["_id"] for t in mongo_db["trades"].find()) == trades
    for account in accounts.values():
        (log,) = mongo_db["sync_logs"].find({"accountId": account["_id"]})
        assert (log["inserted"], log["duplicates"]) == (4, 0)
    assert Counter(b["type"] for b in first) == {
        "trade_confirmation": 6,
        "sync_succeeded": 2,
        "trades_changed": 2,
    }
    assert pipeline.notification_events() == []


def test_a_failure_in_a_batch_retries_only_its_records(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given updates of two users waiting together, and u2's recompute failing once
    from tradetrack.sync import updates

    accounts, batch = synced_and_waiting(pipeline, kite, mongo_db, "u1", "u2")
    real, calls = recompute_pairs, Counter[str]()

    def flaky(db: Any, cache: Any, user_id: str, *args: Any, **kwargs: Any) -> Any:
        calls[user_id] += 1
        if user_id == "u2" and calls[user_id] == 1:
            raise RuntimeError("worker killed")
        return real(db, cache, user_id, *args, **kwargs)

    monkeypatch.setattr(updates, "recompute_pairs", flaky)
    # When the batch is delivered
    failed = pipeline.deliver("trade-updates", batch)
    # Then only u2's message is reported for retry; u1's is applied and announced
    (failed_id,) = failed
    failed_body = json.loads(next(m["Body"] for m in batch if m["MessageId"] == failed_id))
    assert failed_body["userId"] == "u2"
    assert mongo_db["trades"].count_documents({"userId": "u1"}) == 3
    assert mongo_db["trades"].count_documents({"userId": "u2"}) == 0
    # When SQS redelivers it (u1's was deleted)
    assert pipeline.drain("trade-updates") == 1
    # Then u2 is applied, u1 was not applied again, and nothing is lost or doubled
    assert calls == {"u1": 1, "u2": 2}
    assert mongo_db["executions"].count_documents({}) == 8
    assert mongo_db["trades"].count_documents({"userId": "u2"}) == 3
    (log,) = mongo_db["sync_logs"].find({"accountId": accounts["u1"]["_id"]})
    assert (log["inserted"], log["duplicates"]) == (4, 0)
    # (u2's fills were stored by the failed attempt: its retry finds them, as duplicates)
    (log,) = mongo_db["sync_logs"].find({"accountId": accounts["u2"]["_id"]})
    assert (log["inserted"], log["duplicates"]) == (0, 4)
    confirmations = [b for b in pipeline.notification_events() if b["type"] == "trade_confirmation"]
    assert len(confirmations) == 6


def test_a_user_whose_insert_fails_does_not_stop_the_others(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given updates of two users waiting together, and u2's insert failing once as a whole (the
    # store unreachable for it), while u1's runs at the same time on another thread
    from tradetrack.sync import updates

    accounts, batch = synced_and_waiting(pipeline, kite, mongo_db, "u1", "u2")
    real, calls = insert_each, Counter[str]()

    def flaky(db: Any, documents: Any) -> Any:
        user = documents[0]["userId"]
        calls[user] += 1
        if user == "u2" and calls[user] == 1:
            raise ConnectionError("store unreachable")
        return real(db, documents)

    monkeypatch.setattr(updates, "insert_each", flaky)
    # When the batch is delivered
    failed = pipeline.deliver("trade-updates", batch)
    # Then only u2's message is reported for retry; u1's fills are stored, recomputed and counted
    (failed_id,) = failed
    assert json.loads(next(m["Body"] for m in batch if m["MessageId"] == failed_id))["userId"] == "u2"
    assert mongo_db["executions"].count_documents({"userId": "u1"}) == 4
    assert mongo_db["trades"].count_documents({"userId": "u1"}) == 3
    assert mongo_db["executions"].count_documents({"userId": "u2"}) == 0
    (log,) = mongo_db["sync_logs"].find({"accountId": accounts["u2"]["_id"]})
    assert (log["inserted"], log["duplicates"]) == (0, 0)  # nothing counted for u2 yet
    # When SQS redelivers it
    assert pipeline.drain("trade-updates") == 1
    # Then u2 is applied once, as new fills, and u1 was not applied again
    assert calls == {"u1": 1, "u2": 2}
    assert mongo_db["trades"].count_documents({"userId": "u2"}) == 3
    for user in ("u1", "u2"):
        (log,) = mongo_db["sync_logs"].find({"accountId": accounts[user]["_id"]})
        assert (log["inserted"], log["duplicates"]) == (4, 0)


def test_a_message_whose_fills_were_not_stored_fails_alone_within_its_user(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two accounts of one user synced, their updates waiting together, and one fill of the
    # second account's message refused by the store (not as a duplicate)
    from tradetrack.sync import updates

    first, second = (connected_account(mongo_db, user_id="u1") for _ in range(2))
    serve_kite_day(kite)
    for account in (first, second):
        queue_sync(account)
    pipeline.drain("sync")
    batch = updates_waiting(pipeline)
    real = insert_each

    def refusing(db: Any, documents: Any) -> InsertReport:
        refused = next(i for i, doc in enumerate(documents) if doc["accountId"] == second["_id"])
        report = real(db, [doc for i, doc in enumerate(documents) if i != refused])
        report.failed = {refused: "2: refused"}
        return report

    monkeypatch.setattr(updates, "insert_each", refusing)
    # When the batch is delivered
    failed = pipeline.deliver("trade-updates", batch)
    # Then only the second account's message is retried; the first's is applied and counted
    (failed_id,) = failed
    assert (
        json.loads(next(m["Body"] for m in batch if m["MessageId"] == failed_id))["accountId"]
        == second["_id"]
    )
    assert mongo_db["trades"].count_documents({"accountId": first["_id"]}) == 3
    assert mongo_db["trades"].count_documents({"accountId": second["_id"]}) == 0
    (log,) = mongo_db["sync_logs"].find({"accountId": first["_id"]})
    assert (log["inserted"], log["duplicates"]) == (4, 0)


def test_the_users_of_a_batch_are_recomputed_at_the_same_time(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given updates of two users waiting together, each user's recompute holding until the other's
    # has started too (one at a time, the first would wait out the barrier's timeout and fail)
    from tradetrack.sync import updates

    accounts, batch = synced_and_waiting(pipeline, kite, mongo_db, "u1", "u2")
    both_started = threading.Barrier(2, timeout=10)
    real = recompute_pairs

    def together(db: Any, cache: Any, user_id: str, *args: Any, **kwargs: Any) -> Any:
        both_started.wait()
        return real(db, cache, user_id, *args, **kwargs)

    monkeypatch.setattr(updates, "recompute_pairs", together)
    # When the batch is delivered
    failed = pipeline.deliver("trade-updates", batch)
    # Then both users' recomputes ran at once, and each stored its own trades, as one at a time would
    assert failed == set()
    assert not both_started.broken
    for user in ("u1", "u2"):
        assert mongo_db["trades"].count_documents({"userId": user}) == 3
        (log,) = mongo_db["sync_logs"].find({"accountId": accounts[user]["_id"]})
        assert (log["inserted"], log["duplicates"]) == (4, 0)


def test_the_round_trips_of_a_sync_do_not_grow_with_its_fills(
    pipeline: Pipeline,
    kite: BrokerStub,
    mongo_db: Database[Document],
    mongo_server: Server,
    capsys: pytest.CaptureFixture[str],
) -> None:
    counts: dict[int, tuple[list[tuple[str, str]], list[tuple[str, str]]]] = {}
    for fills in (10, 100):
        # Given an account whose broker reports `fills` new fills over five instruments
        account = connected_account(mongo_db, user_id=f"u{fills}")
        serve_fills(kite, fills)
        queue_sync(account)
        with counted(mongo_server) as window:
            # When the sync worker and then the trade-updates worker run
            pipeline.drain("sync")
            synced = [(c.name, c.collection) for c in window.commands]
            assert pipeline.drain("trade-updates") == 1
        counts[fills] = (synced, [(c.name, c.collection) for c in window.commands[len(synced) :]])
        assert mongo_db["executions"].count_documents({"userId": f"u{fills}"}) == fills
    # Then both make the same round trips: one insert of all the fills, nothing per fill
    with capsys.disabled():
        for fills, (synced, applied) in counts.items():
            by_command = Counter(f"{name} {collection}" for name, collection in applied)
            print(
                f"\n{fills} fills over 5 instruments: {len(synced)} Mongo round trips in the sync worker "
                f"({', '.join(sorted(f'{n} {c}' for n, c in synced))}); {len(applied)} in the "
                f"trade-updates worker ({dict(sorted(by_command.items()))})"
            )
    small, large = ([Counter(part) for part in counts[n]] for n in (10, 100))
    assert small == large
    assert large[1][("insert", "executions")] == 1


def test_a_batch_makes_one_insert_per_user_and_the_same_round_trips_for_each(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document], mongo_server: Server
) -> None:
    # Given a batch of updates of three users (one of them with two accounts), 20 fills each over
    # five instruments, the users' aggregates built as registration leaves them
    from tradetrack.db import daily_pnl

    accounts = [connected_account(mongo_db, user_id=user) for user in ("u1", "u1", "u2", "u3")]
    for user in ("u1", "u2", "u3"):
        daily_pnl.mark_built(mongo_db, user)
    serve_fills(kite, 20)
    for account in accounts:
        queue_sync(account)
    pipeline.drain("sync")
    batch = updates_waiting(pipeline)
    assert len(batch) == 4
    # When the batch is delivered
    with counted(mongo_server) as window:
        assert pipeline.deliver("trade-updates", batch) == set()
    applied = Counter(f"{c.name} {c.collection}" for c in window.commands)
    # Then each user's fills went in one insert, and the batch's sync logs in one write
    assert applied["insert executions"] == 3
    assert applied["update sync_logs"] == 1
    assert mongo_db["executions"].count_documents({}) == 80
    # And the round trips are 1 for the batch and the same number for each user (docs/performance.md)
    per_user, left = divmod(len(window.commands) - 1, 3)
    assert left == 0 and per_user == 16, dict(sorted(applied.items()))


def test_positions_that_have_fills_in_the_sync_take_their_instruments_without_another_read(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Database[Document], mongo_server: Server
) -> None:
    # Given an account whose broker reports 20 fills over five instruments and the net positions
    # they leave (each position's instrument traded in this sync)
    account = connected_account(mongo_db, user_id="u-positions")
    serve_fills(kite, 20)
    queue_sync(account)
    # When the sync worker runs
    with counted(mongo_server) as window:
        pipeline.drain("sync")
    # Then the instrument aliases are read once (for the fills), not again for the positions
    assert len(window.reads("instrument_aliases")) == 1
    # and every position is reconciled against its fills under the same instrument
    (log,) = mongo_db["sync_logs"].find({"accountId": account["_id"]})
    assert log["reconciliation"] == {"matched": 5, "mismatches": []}
