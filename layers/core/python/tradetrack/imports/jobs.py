"""Uploaded imports: a file PUT to S3, stored by a queue-driven worker in batches (docs/imports.md).

    create_upload   POST /v1/imports/uploads          an import id and a presigned PUT URL
    start_import    POST /v1/imports/{id}/start       202: the worker's message is queued
    (status.py: GET /v1/imports and GET /v1/imports/{id}, state and progress)
    run_import      the import-worker function        the file, batch by batch, resumable

The worker runs an import in two phases, each resumable from a checkpoint in the import's
document:

- storing: it reads the file from the top on every run, skipping the batches the checkpoint
  (`batchesDone`) says are stored; a batch is stored (one insert_many, fills already stored
  counting as duplicates), then checkpointed with the (account, instrument) pairs of its fills.
  A run that stops between the two (a crash, a redelivery) redoes the batch: its fills are then
  duplicates of themselves, so nothing is stored twice (fill identity, db.executions.execution_id).
- recomputing: once every batch is stored, the trades of the file's pairs are re-derived, each
  pair once per import (tradetrack.trades.recompute from the stored executions, the path that
  also rebuilds the pairs' ledgers), `pairs_per_step` pairs at a time, each step checkpointed
  (`pairsDone`). A step redone after a crash derives the same trades again.

Recomputing once per import, not once per batch, keeps a big import linear: a pair's trades and
ledger are written once, not rewritten by every batch that holds one of its fills.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import redis
from pymongo.database import Database

from tradetrack.book import refuse_paper_account
from tradetrack.db import imports as repo
from tradetrack.db.executions import insert_executions, to_document
from tradetrack.db.instrument_aliases import with_isins
from tradetrack.errors import AppError, Conflict, NotFound, PayloadTooLarge
from tradetrack.imports.models import ImportStatus, UploadRequest, UploadTicket
from tradetrack.imports.status import to_status
from tradetrack.imports.stream import batches
from tradetrack.models.uploads import MAX_REJECTIONS_SHOWN
from tradetrack.observability import logger
from tradetrack.quality.repository import issues_of_pairs
from tradetrack.trades import recompute_pairs

Document = dict[str, Any]
MAX_UPLOAD_BYTES = 64 * 1024 * 1024  # about 500,000 tradebook rows
UPLOAD_URL_TTL_S = 900
CONTENT_TYPE = "text/csv"
# Pairs re-derived per step of the recomputing phase: one read of their executions, one write of
# their trades and ledgers, then a checkpoint. Few, large steps: each step after the first updates
# the user's daily aggregates of every day the step touches, which FerretDB v1 writes one update at
# a time (100,000 rows, 360 pairs: one step 84 s; steps of 100 pairs did not finish, docs/imports.md).
RECOMPUTE_PAIRS_PER_STEP = 1000
Outcome = Literal["succeeded", "failed", "paused", "skipped"]


def create_upload(
    db: Database[Document],
    s3: Any,
    bucket: str,
    user_id: str,
    request: UploadRequest,
    *,
    now: datetime | None = None,
) -> UploadTicket:
    """A new import awaiting its file, and the URL to PUT the file to."""
    refuse_paper_account(request.account_id, what="an imported file")
    import_id = repo.new_import_id()
    doc = repo.create_import(
        db,
        user_id,
        import_id,
        import_format=request.format,
        account_id=request.account_id,
        now=now or datetime.now(UTC),
    )
    url = s3.generate_presigned_url(
        "put_object",
        Params={"Bucket": bucket, "Key": doc["key"], "ContentType": CONTENT_TYPE},
        ExpiresIn=UPLOAD_URL_TTL_S,
        HttpMethod="PUT",
    )
    return UploadTicket(
        import_id=import_id,
        upload_url=url,
        headers={"Content-Type": CONTENT_TYPE},
        expires_in=UPLOAD_URL_TTL_S,
        max_bytes=MAX_UPLOAD_BYTES,
        start_url=f"/v1/imports/{import_id}/start",
    )


def start_import(
    db: Database[Document],
    s3: Any,
    bucket: str,
    user_id: str,
    import_id: str,
    *,
    enqueue: Callable[[Document], None],
    now: datetime | None = None,
) -> ImportStatus:
    """Queue the uploaded file for the worker (202). Starting an import already started answers
    with its state; 404 for an unknown import, 409 while its file is not uploaded, 413 past
    MAX_UPLOAD_BYTES (the upload is deleted)."""
    doc = repo.get_import(db, user_id, import_id)
    if doc is None:
        raise NotFound("no such import")
    if doc["state"] != "awaiting_upload":
        return to_status(doc)
    size = _uploaded_size(s3, bucket, doc["key"])
    if size is None:
        raise Conflict(
            "the file is not uploaded yet: PUT it to the uploadUrl of POST /v1/imports/uploads first",
            details=[{"field": "importId", "issue": "not_uploaded"}],
        )
    if size > MAX_UPLOAD_BYTES:
        s3.delete_object(Bucket=bucket, Key=doc["key"])
        raise PayloadTooLarge(
            f"the file is {size} bytes; at most {MAX_UPLOAD_BYTES} bytes are accepted",
            details=[{"field": "file", "limitBytes": MAX_UPLOAD_BYTES}],
        )
    queued = repo.mark_queued(db, user_id, import_id, now=now or datetime.now(UTC))
    if queued is None:  # started meanwhile by another request
        return to_status(repo.get_import(db, user_id, import_id) or doc)
    enqueue({"importId": import_id, "userId": user_id})
    return to_status(queued)


def _uploaded_size(s3: Any, bucket: str, key: str) -> int | None:
    from botocore.exceptions import ClientError

    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return int(head["ContentLength"])


@dataclass
class WorkerDeps:
    db: Database[Document]
    cache: redis.Redis
    s3: Any
    bucket: str
    batch_rows: int
    # True when the run must stop at the next batch boundary (Lambda time running out, a shutdown)
    should_stop: Callable[[], bool]
    # Told of a finished import (the WebSocket event); failures here never fail the import
    finished: Callable[[Document], None] | None = None
    # Told of each recompute step's trades (user id, trade ids: a "trades" frame), likewise
    trades_changed: Callable[[str, list[str]], None] | None = None
    pairs_per_step: int = RECOMPUTE_PAIRS_PER_STEP


def run_import(deps: WorkerDeps, import_id: str) -> Outcome:
    """Store the import's file, then re-derive its pairs' trades, from the checkpoint on.
    "paused": `should_stop` stopped it between two steps (run it again to continue); "skipped":
    unknown or already finished (a redelivery), or another run took it further meanwhile."""
    doc = repo.mark_running(deps.db, import_id, now=datetime.now(UTC))
    if doc is None:
        return "skipped"
    if doc.get("phase") != repo.RECOMPUTING:
        stored = _store(deps, doc)
        if isinstance(stored, str):
            return stored
        doc = stored
    return _recompute(deps, doc)


def _store(deps: WorkerDeps, doc: Document) -> Document | Outcome:
    """The storing phase: the file's batches after the checkpoint, then the switch to
    recomputing (the import's document then) or how the run ended."""
    db, user_id, import_id = deps.db, doc["userId"], doc["_id"]
    with tempfile.TemporaryFile() as spool:  # Lambda's /tmp: the file never sits in memory whole
        deps.s3.download_fileobj(deps.bucket, doc["key"], spool)
        spool.seek(0)
        text = io.TextIOWrapper(spool, encoding="utf-8", errors="strict", newline="")
        try:
            for batch in batches(text, doc["format"], account_id=doc["accountId"], size=deps.batch_rows):
                if batch.index < int(doc["batchesDone"]):
                    continue
                if deps.should_stop():
                    return "paused"
                documents = [to_document(user_id, batch.source, item) for item in with_isins(db, batch.items)]
                inserted = insert_executions(db, documents)
                recorded = repo.record_batch(
                    db,
                    doc,
                    index=batch.index,
                    rows=batch.rows,
                    imported=len(inserted.inserted),
                    duplicates=inserted.duplicates,
                    rejected=batch.rejected,
                    # Every fill of the batch, new or already stored (a batch redone after a crash).
                    pairs={(d["accountId"], d["instrument"]) for d in documents},
                    keep_rejected=MAX_REJECTIONS_SHOWN,
                    now=datetime.now(UTC),
                )
                if recorded is None:  # another run took this import further: leave it to that one
                    return "skipped"
                doc = recorded
        except AppError as exc:  # the file itself is unreadable (encoding, header, malformed CSV)
            # The batches before the bad spot stay stored; their pairs are recomputed first.
            _recompute_all(deps, doc)
            return _finish(deps, import_id, "failed", {"error": {"code": exc.code, "message": exc.message}})
    return repo.mark_recomputing(db, doc, now=datetime.now(UTC)) or "skipped"


INTERRUPTED = {
    "code": "INTERRUPTED",
    "message": "the import stopped and its uploaded file is gone: upload the file again "
    "(the rows it stored are kept, and uploading them again adds no duplicates)",
}


def recover_without_upload(deps: WorkerDeps, import_id: str) -> Outcome:
    """An unfinished import whose upload is gone (the local stack's moto keeps nothing across a
    restart): past storing, it finishes (recomputing reads the stored executions only); while still
    storing, the trades of the fills it stored are derived, so no fill is left without its trades,
    and it fails with INTERRUPTED."""
    doc = repo.mark_running(deps.db, import_id, now=datetime.now(UTC))
    if doc is None:
        return "skipped"
    if doc.get("phase") == repo.RECOMPUTING:
        return _recompute(deps, doc)
    _recompute_all(deps, doc)
    return _finish(deps, import_id, "failed", {"error": INTERRUPTED})


def _recompute(deps: WorkerDeps, doc: Document) -> Outcome:
    """The recomputing phase: the pairs after the checkpoint, `pairs_per_step` at a time, then
    the import's end (unmatched exits counted, the upload deleted, the finish told)."""
    db, user_id = deps.db, doc["userId"]
    pairs = repo.pairs_of(doc)
    while int(doc["pairsDone"]) < len(pairs):
        if deps.should_stop():
            return "paused"
        done = int(doc["pairsDone"])
        step = pairs[done : done + deps.pairs_per_step]
        # From the stored executions (no facts): the pairs' ledgers are rebuilt with them.
        trades = recompute_pairs(db, deps.cache, user_id, step)
        recorded = repo.record_pairs(db, doc, done=done + len(step), now=datetime.now(UTC))
        if recorded is None:  # another run took this import further: leave it to that one
            return "skipped"
        doc = recorded
        _tell_changed(deps, user_id, trades)
    unmatched = [
        exit_ for item in issues_of_pairs(db, user_id, pairs) for exit_ in item.get("unmatched") or ()
    ]
    fields = {
        "unmatchedExits": len(unmatched),
        "unmatchedUnits": sum(int(exit_["quantity"]) for exit_ in unmatched),
    }
    deps.s3.delete_object(Bucket=deps.bucket, Key=doc["key"])
    return _finish(deps, doc["_id"], "succeeded", fields)


def _recompute_all(deps: WorkerDeps, doc: Document) -> None:
    """The trades of a failing import's stored pairs, in steps (the failure is final: no checkpoint)."""
    pairs = repo.pairs_of(doc)
    for start in range(0, len(pairs), deps.pairs_per_step):
        step = pairs[start : start + deps.pairs_per_step]
        _tell_changed(deps, doc["userId"], recompute_pairs(deps.db, deps.cache, doc["userId"], step))


def _tell_changed(deps: WorkerDeps, user_id: str, trades: list[Document]) -> None:
    if deps.trades_changed is None or not trades:
        return
    try:
        deps.trades_changed(user_id, [str(trade["_id"]) for trade in trades])
    except Exception:
        logger.exception("the import's trades event could not be sent", extra={"userId": user_id})


def _finish(
    deps: WorkerDeps, import_id: str, state: Literal["succeeded", "failed"], fields: Document
) -> Outcome:
    done = repo.finish(deps.db, import_id, state, now=datetime.now(UTC), fields=fields)
    if done is None:
        return "skipped"
    logger.info(
        "import finished",
        extra={
            "importId": import_id,
            "state": state,
            "rows": done["rowsDone"],
            "imported": done["imported"],
            "duplicates": done["duplicates"],
            "rejected": done["rejectedCount"],
        },
    )
    if deps.finished is not None:
        try:
            deps.finished(done)
        except Exception:
            logger.exception("the import's finished event could not be sent", extra={"importId": import_id})
    return state
