"""The import worker's recomputing phase: each pair's trades derived once per import, a stop or a
crash while recomputing resumes there, a file failing midway keeps the trades of what it stored."""

from __future__ import annotations

from typing import Any

import pytest
import redis

from tests.integration.import_worker.support import (
    USER,
    Db,
    reference_trades,
    round_trips,
    stop_after,
    stored,
    trades_of,
    uploaded,
    worker,
)
from tradetrack.db import imports as repo
from tradetrack.db.executions import EXECUTIONS
from tradetrack.imports import status as status_of
from tradetrack.imports.jobs import run_import


def test_a_multi_batch_import_derives_each_pairs_trades_once(
    mongo_db: Db, redis_client: redis.Redis, s3: Any, mongo_commands: Any
) -> None:
    # Given a generic file of 2 symbols × 40 days of round trips (160 rows), read in 4 batches of
    # 40, each batch holding fills of both pairs; and the trades the JSON path derives from it
    text = round_trips(["SBIN", "INFY"], 40)
    expected = reference_trades(mongo_db, redis_client, text)
    import_id = uploaded(mongo_db, s3, text, import_format="generic")
    deps, finished = worker(mongo_db, redis_client, s3, batch_rows=40)
    ledger_writes = len(mongo_commands.writes("ledgers"))
    trade_writes = len(mongo_commands.writes("trades"))
    # When the worker runs it
    assert run_import(deps, import_id) == "succeeded"
    # Then the 4 batches were stored, and the pairs' ledgers and trades written once (one write
    # each, not one per batch: per-batch recomputes write them 4 times)
    doc = repo.get_import(mongo_db, USER, import_id)
    assert doc is not None and (doc["batchesDone"], doc["imported"], doc["pairsDone"]) == (4, 160, 2)
    assert len(mongo_commands.writes("ledgers")) - ledger_writes == 1
    assert len(mongo_commands.writes("trades")) - trade_writes == 1
    # And the trades are those of the whole file imported at once, the finish told once
    assert trades_of(mongo_db, USER) == expected and len(expected) == 80
    assert [d["_id"] for d in finished] == [import_id]


def test_a_run_stopped_while_recomputing_resumes_there_without_reading_the_file(
    mongo_db: Db, redis_client: redis.Redis, s3: Any, mongo_commands: Any
) -> None:
    # Given a file of 3 pairs in 2 batches, recomputed 1 pair per step, and a run told to stop
    # after the 2 batches and 1 recompute step
    text = round_trips(["SBIN", "INFY", "TCS"], 10)
    expected = reference_trades(mongo_db, redis_client, text)
    import_id = uploaded(mongo_db, s3, text, import_format="generic")
    deps, finished = worker(mongo_db, redis_client, s3, batch_rows=30, should_stop=stop_after(3))
    deps.pairs_per_step = 1
    # When it runs, Then it pauses in the recomputing phase with 1 of 3 pairs done, and says so
    assert run_import(deps, import_id) == "paused" and finished == []
    status = status_of.import_status(mongo_db, USER, import_id)
    assert (status.state, status.phase, status.pairs_done, status.instruments) == (
        "running",
        "recomputing",
        1,
        3,
    )
    assert status.rows_done == 60
    # When it runs again, Then it recomputes the other 2 pairs without storing any fill again
    deps, finished = worker(mongo_db, redis_client, s3, batch_rows=30)
    deps.pairs_per_step = 1
    inserts = len(mongo_commands.writes(EXECUTIONS))
    assert run_import(deps, import_id) == "succeeded"
    assert len(mongo_commands.writes(EXECUTIONS)) == inserts
    status = status_of.import_status(mongo_db, USER, import_id)
    assert (status.state, status.phase, status.pairs_done, status.imported) == ("succeeded", None, 3, 60)
    # And the trades are the whole file's, the finish told once
    assert trades_of(mongo_db, USER) == expected and [d["_id"] for d in finished] == [import_id]


def test_a_recompute_step_not_checkpointed_is_redone_without_duplicate_trades(
    mongo_db: Db, redis_client: redis.Redis, s3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a run that crashes after recomputing its first step of pairs, before its checkpoint
    text = round_trips(["SBIN", "INFY", "TCS"], 10)
    expected = reference_trades(mongo_db, redis_client, text)
    import_id = uploaded(mongo_db, s3, text, import_format="generic")
    real_record = repo.record_pairs

    def crashing(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("the store went away")

    monkeypatch.setattr(repo, "record_pairs", crashing)
    deps, finished = worker(mongo_db, redis_client, s3, batch_rows=30)
    deps.pairs_per_step = 2
    with pytest.raises(ConnectionError):
        run_import(deps, import_id)
    doc = repo.get_import(mongo_db, USER, import_id)
    assert doc is not None and (doc["phase"], doc["pairsDone"]) == ("recomputing", 0)
    # When SQS redelivers the message and the worker runs again
    monkeypatch.setattr(repo, "record_pairs", real_record)
    assert run_import(deps, import_id) == "succeeded"
    # Then every trade is there once, as the whole file derives them
    assert trades_of(mongo_db, USER) == expected and len(finished) == 1


def test_a_file_failing_midway_keeps_the_trades_of_what_was_stored(
    mongo_db: Db, redis_client: redis.Redis, s3: Any
) -> None:
    # Given a generic file of 400 rows whose row 390 is not UTF-8 (the reading fails there, after
    # some batches of 50 are stored)
    lines = round_trips(["SBIN", "INFY"], 100).encode().splitlines()
    lines[390] = lines[390].replace(b"MIS", b"M\xe9S")
    import_id = uploaded(mongo_db, s3, b"\n".join(lines) + b"\n", import_format="generic")
    deps, finished = worker(mongo_db, redis_client, s3, batch_rows=50)
    # When the worker runs it, Then the import fails with the reason
    assert run_import(deps, import_id) == "failed"
    status = status_of.import_status(mongo_db, USER, import_id)
    assert status.error is not None and status.error.code == "UNPROCESSABLE"
    # And the fills stored before the bad spot have their trades (a round trip: a trade per 2 fills)
    assert 0 < status.imported == stored(mongo_db) < 400
    assert len(trades_of(mongo_db, USER)) == status.imported // 2
    assert [d["state"] for d in finished] == ["failed"]
