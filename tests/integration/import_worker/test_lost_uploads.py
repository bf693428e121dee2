"""An import whose upload is gone (a restart of the local stack: moto keeps nothing): stopped while
storing it fails with the trades of what it stored; stopped while recomputing it finishes."""

from __future__ import annotations

from typing import Any

import redis

from tests.integration.import_worker.support import (
    USER,
    Db,
    lose_the_upload,
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
from tradetrack.imports import jobs
from tradetrack.imports.jobs import run_import


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
