"""The import worker (tradetrack.imports.jobs.run_import) over the test store, Redis and moto's S3:
bounded batches, a checkpoint per batch, resume after a stop or a crash, nothing stored twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
import redis
from pymongo.database import Database

from tests.support.tradebook import tradebook_csv
from tradetrack.db import imports as repo
from tradetrack.db.executions import EXECUTIONS, insert_executions
from tradetrack.imports import jobs
from tradetrack.imports import status as status_of
from tradetrack.imports.jobs import WorkerDeps, run_import
from tradetrack.imports.models import UploadRequest

Db = Database[dict[str, Any]]
BUCKET = "test-imports"
USER = "usr_worker"


@pytest.fixture
def s3(moto_aws: None) -> Any:
    """moto's S3 with the imports bucket (gone with moto_aws)."""
    client = boto3.client("s3", region_name="ap-south-1")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
    return client


def uploaded(db: Db, s3: Any, text: str | bytes, *, import_format: str = "zerodha_tradebook") -> str:
    """An import whose file is in S3 and which is queued, as POST .../start leaves it."""
    ticket = jobs.create_upload(db, s3, BUCKET, USER, UploadRequest.model_validate({"format": import_format}))
    body = text.encode() if isinstance(text, str) else text
    s3.put_object(Bucket=BUCKET, Key=repo.upload_key(USER, ticket.import_id), Body=body)
    queued: list[dict[str, Any]] = []
    status = jobs.start_import(db, s3, BUCKET, USER, ticket.import_id, enqueue=queued.append)
    assert status.state == "queued" and queued == [{"importId": ticket.import_id, "userId": USER}]
    return ticket.import_id


def worker(
    db: Db,
    cache: redis.Redis,
    s3: Any,
    *,
    batch_rows: int = 50,
    should_stop: Callable[[], bool] = lambda: False,
) -> tuple[WorkerDeps, list[dict[str, Any]]]:
    finished: list[dict[str, Any]] = []
    deps = WorkerDeps(db, cache, s3, BUCKET, batch_rows, should_stop, finished.append)
    return deps, finished


def stop_after(checks: int) -> Callable[[], bool]:
    """should_stop answering True from its `checks`+1-th call on (a stop after that many batches)."""
    calls = {"n": 0}

    def should_stop() -> bool:
        calls["n"] += 1
        return calls["n"] > checks

    return should_stop


def stored(db: Db) -> int:
    return db[EXECUTIONS].count_documents({"userId": USER})


def test_a_file_is_stored_in_batches_with_a_checkpoint_each(
    mongo_db: Db, redis_client: redis.Redis, s3: Any
) -> None:
    # Given an uploaded tradebook of 230 rows, of which one is rejected
    lines = tradebook_csv(230).splitlines()
    cells = lines[5].split(",")
    lines[5] = ",".join([*cells[:6], "hold", *cells[7:]])  # trade_type
    import_id = uploaded(mongo_db, s3, "\n".join(lines) + "\n")
    deps, finished = worker(mongo_db, redis_client, s3, batch_rows=50)
    # When the worker runs it
    outcome = run_import(deps, import_id)
    # Then every row is read in 5 batches, 229 fills stored, the rejected one reported by line
    doc = repo.get_import(mongo_db, USER, import_id)
    assert outcome == "succeeded" and doc is not None
    assert (doc["state"], doc["batchesDone"], doc["rowsDone"]) == ("succeeded", 5, 230)
    assert (doc["imported"], doc["duplicates"], doc["rejectedCount"]) == (229, 0, 1)
    assert doc["rejected"][0]["line"] == 6 and "trade_type" in doc["rejected"][0]["reason"]
    assert stored(mongo_db) == 229
    # And trades were derived, the upload deleted, and the finish told once
    assert mongo_db["trades"].count_documents({"userId": USER}) > 0
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0
    assert [d["_id"] for d in finished] == [import_id]
    assert status_of.finished_frame(finished[0])["type"] == "import"


def test_a_stopped_run_resumes_from_its_checkpoint(mongo_db: Db, redis_client: redis.Redis, s3: Any) -> None:
    # Given an uploaded file of 200 rows and a worker told to stop after 2 batches of 50
    import_id = uploaded(mongo_db, s3, tradebook_csv(200))
    deps, finished = worker(mongo_db, redis_client, s3, batch_rows=50, should_stop=stop_after(2))
    # When it runs, Then it pauses with 2 batches (100 rows) stored and checkpointed
    assert run_import(deps, import_id) == "paused"
    doc = repo.get_import(mongo_db, USER, import_id)
    assert doc is not None and (doc["state"], doc["batchesDone"], doc["rowsDone"]) == ("running", 2, 100)
    assert stored(mongo_db) == 100 and finished == []
    # When it runs again, Then it continues from batch 3 and counts no row twice
    deps, finished = worker(mongo_db, redis_client, s3, batch_rows=50)
    assert run_import(deps, import_id) == "succeeded"
    doc = repo.get_import(mongo_db, USER, import_id)
    assert doc is not None and (doc["rowsDone"], doc["imported"], doc["duplicates"]) == (200, 200, 0)
    assert doc["attempts"] == 2 and stored(mongo_db) == 200


def test_a_batch_stored_but_not_checkpointed_is_redone_without_storing_twice(
    mongo_db: Db, redis_client: redis.Redis, s3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a run that crashes after storing its second batch, before its checkpoint
    import_id = uploaded(mongo_db, s3, tradebook_csv(150))
    real_record = repo.record_batch
    calls = {"n": 0}

    def crashing(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionError("the store went away")
        return real_record(*args, **kwargs)

    monkeypatch.setattr(repo, "record_batch", crashing)
    deps, _ = worker(mongo_db, redis_client, s3, batch_rows=50)
    with pytest.raises(ConnectionError):
        run_import(deps, import_id)
    assert stored(mongo_db) == 100  # two batches stored, one checkpointed
    # When SQS redelivers the message and the worker runs again
    monkeypatch.setattr(repo, "record_batch", real_record)
    assert run_import(deps, import_id) == "succeeded"
    # Then every fill is stored once; the redone batch's fills count as duplicates of themselves
    doc = repo.get_import(mongo_db, USER, import_id)
    assert doc is not None and stored(mongo_db) == 150
    assert (doc["rowsDone"], doc["imported"] + doc["duplicates"], doc["duplicates"]) == (150, 150, 50)


def test_a_redelivery_of_a_finished_import_does_nothing(
    mongo_db: Db, redis_client: redis.Redis, s3: Any
) -> None:
    import_id = uploaded(mongo_db, s3, tradebook_csv(60))
    deps, finished = worker(mongo_db, redis_client, s3)
    assert run_import(deps, import_id) == "succeeded"
    # When the same message comes again, Then nothing is read, stored or told again
    assert run_import(deps, import_id) == "skipped"
    doc = repo.get_import(mongo_db, USER, import_id)
    assert doc is not None and doc["attempts"] == 1 and len(finished) == 1 and stored(mongo_db) == 60


def test_importing_the_same_file_again_stores_nothing_new(
    mongo_db: Db, redis_client: redis.Redis, s3: Any
) -> None:
    text = tradebook_csv(80)
    deps, _ = worker(mongo_db, redis_client, s3)
    run_import(deps, uploaded(mongo_db, s3, text))
    again = uploaded(mongo_db, s3, text)
    assert run_import(deps, again) == "succeeded"
    doc = repo.get_import(mongo_db, USER, again)
    assert doc is not None and (doc["imported"], doc["duplicates"]) == (0, 80) and stored(mongo_db) == 80


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        (b"symbol,trade_date\nINFY,2024-04-01\n", "VALIDATION_ERROR", "missing required column"),
        (b"symbol,price\n" + "caf\xe9".encode("latin-1") + b",1\n", "UNPROCESSABLE", "UTF-8"),
        (b"", "UNPROCESSABLE", "empty"),
    ],
)
def test_an_unreadable_file_fails_the_import_with_the_reason(
    mongo_db: Db, redis_client: redis.Redis, s3: Any, body: bytes, code: str, words: str
) -> None:
    import_id = uploaded(mongo_db, s3, body)
    deps, finished = worker(mongo_db, redis_client, s3)
    assert run_import(deps, import_id) == "failed"
    status = status_of.import_status(mongo_db, USER, import_id)
    assert status.state == "failed" and status.error is not None
    assert status.error.code == code and words in status.error.message
    assert [d["state"] for d in finished] == ["failed"]


def test_starting_before_the_upload_is_409_and_an_unknown_import_404(mongo_db: Db, s3: Any) -> None:
    from tradetrack.errors import Conflict, NotFound

    ticket = jobs.create_upload(
        mongo_db, s3, BUCKET, USER, UploadRequest.model_validate({"format": "generic"})
    )
    with pytest.raises(Conflict):
        jobs.start_import(mongo_db, s3, BUCKET, USER, ticket.import_id, enqueue=lambda _: None)
    with pytest.raises(NotFound):
        jobs.start_import(mongo_db, s3, BUCKET, "usr_other", ticket.import_id, enqueue=lambda _: None)
    assert status_of.import_status(mongo_db, USER, ticket.import_id).state == "awaiting_upload"


def test_generic_rows_without_trade_id_are_numbered_across_batches(
    mongo_db: Db, redis_client: redis.Redis, s3: Any
) -> None:
    # Given 6 identical generic rows without a trade id, read in batches of 4
    row = "2024-04-01,09:20,SBIN,NSE,BUY,1,765.20,,,"
    text = "date,time,symbol,exchange,side,quantity,price,fees,product,trade_id\n" + f"{row}\n" * 6
    deps, _ = worker(mongo_db, redis_client, s3, batch_rows=4)
    run_import(deps, uploaded(mongo_db, s3, text, import_format="generic"))
    # Then all 6 are distinct fills, numbered 1..6 as the whole-file import numbers them
    ids = sorted(d["externalId"].rsplit("_", 1)[1] for d in mongo_db[EXECUTIONS].find({"userId": USER}))
    assert ids == ["1", "2", "3", "4", "5", "6"]


def test_memory_is_bounded_by_the_batch(
    mongo_db: Db, redis_client: redis.Redis, s3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a file of 600 rows read in batches of 100: no batch handed to the store holds more
    import_id = uploaded(mongo_db, s3, tradebook_csv(600))
    sizes: list[int] = []
    real = insert_executions

    def spy(db: Db, documents: Any) -> Any:
        sizes.append(len(documents))
        return real(db, documents)

    monkeypatch.setattr(jobs, "insert_executions", spy)
    deps, _ = worker(mongo_db, redis_client, s3, batch_rows=100)
    assert run_import(deps, import_id) == "succeeded"
    assert sizes == [100] * 6


# -- the recomputing phase: each pair's trades derived once per import --------------------------


def round_trips(symbols: list[str], days: int) -> str:
    """A generic file: on each of `days` days, a buy and a sell of every symbol (so every batch of
    it holds fills of every symbol's pair)."""
    lines = ["date,time,symbol,exchange,side,quantity,price,fees,product,trade_id"]
    for day in range(days):
        date = f"2024-{1 + day // 28:02d}-{1 + day % 28:02d}"
        for n, symbol in enumerate(symbols):
            price = 100 + n * 10 + day
            lines.append(f"{date},09:20,{symbol},NSE,BUY,{n + 1},{price},,MIS,{symbol}-{day}-b")
            lines.append(f"{date},10:20,{symbol},NSE,SELL,{n + 1},{price + 2}.5,,MIS,{symbol}-{day}-s")
    return "\n".join(lines) + "\n"


def trades_of(db: Db, user_id: str) -> list[tuple[Any, ...]]:
    """The user's trades by what they say (ids hold the user, so two users' trades are compared so)."""
    fields = ("instrument", "status", "openedAt", "closedAt", "quantity", "openQuantity", "realizedPnl")
    return sorted(
        (*(doc[f] for f in fields), len(doc["executionIds"]))
        for doc in db["trades"].find({"userId": user_id})
    )


def reference_trades(db: Db, cache: redis.Redis, text: str) -> list[tuple[Any, ...]]:
    """The trades the JSON body path derives from the same file, in one go, for another user."""
    from tradetrack.imports.models import ImportRequest
    from tradetrack.imports.service import import_csv

    import_csv(db, cache, "usr_reference", ImportRequest.model_validate({"format": "generic", "csv": text}))
    return trades_of(db, "usr_reference")


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


def lose_the_upload(s3: Any, import_id: str) -> None:
    """What a restart of the local stack does to an import's file (moto keeps nothing)."""
    s3.delete_object(Bucket=BUCKET, Key=repo.upload_key(USER, import_id))


def test_an_import_stopped_while_storing_whose_upload_is_gone_fails_with_the_trades_of_what_it_stored(
    mongo_db: Db, redis_client: redis.Redis, s3: Any
) -> None:
    # Given a run stopped after 1 of 2 batches (30 of 60 rows stored, no trades derived yet)
    text = round_trips(["SBIN", "INFY", "TCS"], 10)
    import_id = uploaded(mongo_db, s3, text, import_format="generic")
    deps, _ = worker(mongo_db, redis_client, s3, batch_rows=30, should_stop=stop_after(1))
    assert run_import(deps, import_id) == "paused"
    assert stored(mongo_db) == 30 and mongo_db["trades"].count_documents({"userId": USER}) == 0
    # And its upload lost
    lose_the_upload(s3, import_id)
    # When it is recovered
    deps, finished = worker(mongo_db, redis_client, s3, batch_rows=30)
    assert jobs.recover_without_upload(deps, import_id) == "failed"
    # Then it failed saying to upload again, and no stored fill is left without its trade
    doc = repo.get_import(mongo_db, USER, import_id)
    assert doc is not None and doc["state"] == "failed" and doc["error"]["code"] == "INTERRUPTED"
    assert "upload the file again" in doc["error"]["message"]
    assert [d["_id"] for d in finished] == [import_id]
    traded = {e for t in mongo_db["trades"].find({"userId": USER}) for e in t["executionIds"]}
    assert traded == {e["_id"] for e in mongo_db[EXECUTIONS].find({"userId": USER})}
    assert len(traded) == 30
    # And uploading the file again completes it without duplicates
    again = uploaded(mongo_db, s3, text, import_format="generic")
    deps, _ = worker(mongo_db, redis_client, s3, batch_rows=30)
    assert run_import(deps, again) == "succeeded"
    assert stored(mongo_db) == 60
    assert trades_of(mongo_db, USER) == reference_trades(mongo_db, redis_client, text)


def test_an_import_stopped_while_recomputing_whose_upload_is_gone_finishes(
    mongo_db: Db, redis_client: redis.Redis, s3: Any
) -> None:
    # Given a run stopped in the recomputing phase (1 of 3 pairs done) and its upload lost
    text = round_trips(["SBIN", "INFY", "TCS"], 10)
    expected = reference_trades(mongo_db, redis_client, text)
    import_id = uploaded(mongo_db, s3, text, import_format="generic")
    deps, _ = worker(mongo_db, redis_client, s3, batch_rows=30, should_stop=stop_after(3))
    deps.pairs_per_step = 1
    assert run_import(deps, import_id) == "paused"
    lose_the_upload(s3, import_id)
    # When it is recovered
    deps, finished = worker(mongo_db, redis_client, s3, batch_rows=30)
    # Then it succeeds with the whole file's trades: recomputing never needed the file
    assert jobs.recover_without_upload(deps, import_id) == "succeeded"
    assert trades_of(mongo_db, USER) == expected and [d["_id"] for d in finished] == [import_id]
