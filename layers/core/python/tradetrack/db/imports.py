"""The imports collection: one document per uploaded file, its state and its progress checkpoint.

    _id            imp_<hex>
    userId, format, accountId, key (the S3 object of the upload)
    state          awaiting_upload → queued → running → succeeded | failed
    phase          while running: "storing" (the file's fills, batch by batch), then "recomputing"
                   (the trades of every pair of the file, once per import)
    batchesDone    the batches of the file stored so far (the checkpoint a resumed worker skips to)
    rowsDone       data rows read in those batches; imported, duplicates, rejectedCount counted
                   over them; rejected: the first MAX_REJECTIONS_SHOWN rejected rows {line, reason}
    pairs          "accountId\\x1finstrument" of every fill of the file so far, sorted (the pairs
                   whose trades the recomputing phase re-derives)
    pairsDone      how many of `pairs` (in that order) are recomputed (the recomputing checkpoint)
    error          {code, message} of a failed import
    createdAt, startedAt, updatedAt, finishedAt, attempts (worker runs)

A batch is recorded by `record_batch` only over the checkpoint it continues (batchesDone equal
to its index), and recomputed pairs by `record_pairs` only over theirs (pairsDone): two workers
running the same import at once (a redelivery while the first still runs) cannot count a batch
twice, and the one that loses the race stops.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.database import Database

Document = dict[str, Any]
IMPORTS = "imports"
UPLOAD_PREFIX = "imports/"
FINISHED = ("succeeded", "failed")
STORING = "storing"
RECOMPUTING = "recomputing"
_PAIR_SEPARATOR = "\x1f"


def new_import_id() -> str:
    return f"imp_{secrets.token_hex(12)}"


def upload_key(user_id: str, import_id: str) -> str:
    """The S3 key of an import's file (the bucket's lifecycle rule expires `imports/`)."""
    return f"{UPLOAD_PREFIX}{user_id}/{import_id}.csv"


def create_import(
    db: Database[Document],
    user_id: str,
    import_id: str,
    *,
    import_format: str,
    account_id: str,
    now: datetime,
) -> Document:
    doc: Document = {
        "_id": import_id,
        "userId": user_id,
        "format": import_format,
        "accountId": account_id,
        "key": upload_key(user_id, import_id),
        "state": "awaiting_upload",
        "phase": STORING,
        "batchesDone": 0,
        "rowsDone": 0,
        "imported": 0,
        "duplicates": 0,
        "rejectedCount": 0,
        "rejected": [],
        "pairs": [],
        "pairsDone": 0,
        "error": None,
        "attempts": 0,
        "createdAt": now,
        "updatedAt": now,
        "startedAt": None,
        "finishedAt": None,
    }
    db[IMPORTS].insert_one(doc)
    return doc


def get_import(db: Database[Document], user_id: str, import_id: str) -> Document | None:
    return db[IMPORTS].find_one({"_id": import_id, "userId": user_id})


def list_for_user(
    db: Database[Document], user_id: str, *, limit: int, after: tuple[datetime, str] | None
) -> list[Document]:
    """The user's imports, newest first; `after` is the (createdAt, _id) of the previous page's last."""
    query: Document = {"userId": user_id}
    if after is not None:
        created, last_id = after
        query["$or"] = [{"createdAt": {"$lt": created}}, {"createdAt": created, "_id": {"$lt": last_id}}]
    return list(db[IMPORTS].find(query).sort([("createdAt", -1), ("_id", -1)]).limit(limit))


def mark_queued(db: Database[Document], user_id: str, import_id: str, *, now: datetime) -> Document | None:
    """awaiting_upload → queued; None when the import is not awaiting its upload (any more)."""
    return db[IMPORTS].find_one_and_update(
        {"_id": import_id, "userId": user_id, "state": "awaiting_upload"},
        {"$set": {"state": "queued", "updatedAt": now}},
        return_document=ReturnDocument.AFTER,
    )


def mark_running(db: Database[Document], import_id: str, *, now: datetime) -> Document | None:
    """queued/running → running (a resumed run too), one more attempt; None once finished."""
    current = db[IMPORTS].find_one({"_id": import_id})
    if current is None or current["state"] in FINISHED:
        return None
    started = current.get("startedAt") or now
    return db[IMPORTS].find_one_and_update(
        {"_id": import_id, "state": {"$in": ["queued", "running"]}},
        {"$set": {"state": "running", "startedAt": started, "updatedAt": now}, "$inc": {"attempts": 1}},
        return_document=ReturnDocument.AFTER,
    )


def record_batch(
    db: Database[Document],
    current: Document,
    *,
    index: int,
    rows: int,
    imported: int,
    duplicates: int,
    rejected: Sequence[tuple[int, str]],
    pairs: Iterable[tuple[str, str]],
    keep_rejected: int,
    now: datetime,
) -> Document | None:
    """Add a stored batch to the checkpoint `current` (read before it); None when another worker
    recorded this batch first (the checkpoint moved on)."""
    shown = list(current.get("rejected") or [])
    room = keep_rejected - len(shown)
    shown += [{"line": line, "reason": reason} for line, reason in rejected[: max(room, 0)]]
    known = set(current.get("pairs") or [])
    known |= {f"{account}{_PAIR_SEPARATOR}{instrument}" for account, instrument in pairs}
    return db[IMPORTS].find_one_and_update(
        {"_id": current["_id"], "state": "running", "phase": {"$ne": RECOMPUTING}, "batchesDone": index},
        {
            "$set": {
                "batchesDone": index + 1,
                "rowsDone": int(current["rowsDone"]) + rows,
                "imported": int(current["imported"]) + imported,
                "duplicates": int(current["duplicates"]) + duplicates,
                "rejectedCount": int(current["rejectedCount"]) + len(rejected),
                "rejected": shown,
                "pairs": sorted(known),
                "updatedAt": now,
            }
        },
        return_document=ReturnDocument.AFTER,
    )


def mark_recomputing(db: Database[Document], current: Document, *, now: datetime) -> Document | None:
    """storing → recomputing once every batch of the file is recorded in `current`; None when
    another worker moved the import on meanwhile."""
    return db[IMPORTS].find_one_and_update(
        {
            "_id": current["_id"],
            "state": "running",
            "phase": {"$ne": RECOMPUTING},
            "batchesDone": current["batchesDone"],
        },
        {"$set": {"phase": RECOMPUTING, "pairsDone": 0, "updatedAt": now}},
        return_document=ReturnDocument.AFTER,
    )


def record_pairs(db: Database[Document], current: Document, *, done: int, now: datetime) -> Document | None:
    """The first `done` pairs of `current` are recomputed; None when another worker recorded
    its progress first (the checkpoint moved on)."""
    return db[IMPORTS].find_one_and_update(
        {
            "_id": current["_id"],
            "state": "running",
            "phase": RECOMPUTING,
            "pairsDone": current.get("pairsDone", 0),
        },
        {"$set": {"pairsDone": done, "updatedAt": now}},
        return_document=ReturnDocument.AFTER,
    )


def pairs_of(doc: Document) -> list[tuple[str, str]]:
    """The (accountId, instrument) pairs an import's fills belong to."""
    found = []
    for item in doc.get("pairs") or ():
        account, _, instrument = str(item).partition(_PAIR_SEPARATOR)
        found.append((account, instrument))
    return found


def finish(
    db: Database[Document], import_id: str, state: str, *, now: datetime, fields: Document | None = None
) -> Document | None:
    """running/queued → succeeded or failed with `fields` (error, unmatched counts); None when it
    had already finished."""
    return db[IMPORTS].find_one_and_update(
        {"_id": import_id, "state": {"$nin": list(FINISHED)}},
        {"$set": {"state": state, "finishedAt": now, "updatedAt": now, **(fields or {})}},
        return_document=ReturnDocument.AFTER,
    )


def unfinished(db: Database[Document]) -> list[Document]:
    """Imports queued or running (the local stack recovers them when a restart lost their upload)."""
    return list(db[IMPORTS].find({"state": {"$in": ["queued", "running"]}}, {"_id": 1, "userId": 1}))
