"""What the import worker's tests share: an uploaded import, a worker over the test store, stops
after N batches, and the files and trades the recomputing phase is compared on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.db import imports as repo
from tradetrack.db.executions import EXECUTIONS
from tradetrack.imports import jobs
from tradetrack.imports.jobs import WorkerDeps
from tradetrack.imports.models import UploadRequest

Db = Database[dict[str, Any]]
BUCKET = "test-imports"
USER = "usr_worker"


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


def lose_the_upload(s3: Any, import_id: str) -> None:
    """What a restart of the local stack does to an import's file (moto keeps nothing)."""
    s3.delete_object(Bucket=BUCKET, Key=repo.upload_key(USER, import_id))
