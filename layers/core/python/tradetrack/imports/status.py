"""What GET /v1/imports and GET /v1/imports/{importId} show of an uploaded import, and the
WebSocket frame of a finished one (the worker and the status reads live apart: jobs.py)."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from tradetrack.db import imports as repo
from tradetrack.errors import NotFound
from tradetrack.imports.models import ImportPage, ImportStatus
from tradetrack.pagination import decode_time_id, encode_time_id

Document = dict[str, Any]


def import_status(db: Database[Document], user_id: str, import_id: str) -> ImportStatus:
    doc = repo.get_import(db, user_id, import_id)
    if doc is None:
        raise NotFound("no such import")
    return to_status(doc)


def list_imports(db: Database[Document], user_id: str, *, limit: int, cursor: str | None) -> ImportPage:
    """GET /v1/imports: the user's imports, newest first, each as GET /v1/imports/{importId} shows it."""
    docs = repo.list_for_user(db, user_id, limit=limit + 1, after=decode_time_id(cursor))
    more = len(docs) > limit
    docs = docs[:limit]
    next_cursor = encode_time_id(docs[-1]["createdAt"], docs[-1]["_id"]) if more and docs else None
    return ImportPage(items=[to_status(doc) for doc in docs], next_cursor=next_cursor)


def to_status(doc: Document) -> ImportStatus:
    return ImportStatus.model_validate(
        {
            "importId": doc["_id"],
            "state": doc["state"],
            "format": doc["format"],
            "accountId": doc["accountId"],
            "rowsDone": doc["rowsDone"],
            "imported": doc["imported"],
            "duplicates": doc["duplicates"],
            "rejected": doc.get("rejected") or [],
            "rejectedCount": doc["rejectedCount"],
            "instruments": len(doc.get("pairs") or ()),
            "phase": doc.get("phase", repo.STORING) if doc["state"] == "running" else None,
            "pairsDone": doc.get("pairsDone", 0),
            "unmatchedExits": doc.get("unmatchedExits", 0),
            "unmatchedUnits": doc.get("unmatchedUnits", 0),
            "error": doc.get("error"),
            "createdAt": doc["createdAt"],
            "startedAt": doc.get("startedAt"),
            "finishedAt": doc.get("finishedAt"),
        }
    )


def finished_frame(doc: Document) -> Document:
    """The WebSocket frame of a finished import (API.md "import" frame)."""
    error = doc.get("error") or None
    return {
        "type": "import",
        "importId": doc["_id"],
        "state": doc["state"],
        "rowsDone": doc["rowsDone"],
        "imported": doc["imported"],
        "duplicates": doc["duplicates"],
        "rejectedCount": doc["rejectedCount"],
        **({"error": error} if error else {}),
    }
