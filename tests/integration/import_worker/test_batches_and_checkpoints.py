"""The import worker (tradetrack.imports.jobs.run_import) storing a file: bounded batches, a
checkpoint per batch, resume after a stop or a crash, nothing stored twice."""

from __future__ import annotations

from typing import Any

import pytest
import redis

from tests.integration.import_worker.support import (
    BUCKET,
    USER,
    Db,
    stop_after,
    stored,
    uploaded,
    worker,
)
from tests.support.tradebook import tradebook_csv
from tradetrack.db import imports as repo
from tradetrack.db.executions import EXECUTIONS, insert_executions
from tradetrack.imports import jobs
from tradetrack.imports import status as status_of
from tradetrack.imports.jobs import run_import


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
