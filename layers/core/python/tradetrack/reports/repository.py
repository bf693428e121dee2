"""The reports collection: one document per requested report (its kind, period, format, state and
object key). Read by `_id` and checked against the user (FerretDB v1 pushes `_id` down); listed per
user newest first (index reports.by_user_newest).

And the reports' reads of the trades: the trade history's, every trade opened in the financial
year in one query (`trades_opened_between`); the tax report's, only the trades that can have a
sale in the financial year (`trades_with_sales_between`). Whole documents, in the driver's default
batches: on FerretDB v1 (the test and local store) a projection of the tax P&L's 22 fields cost the
server more CPU than the whole documents (5.0-5.8 s against 3.9-4.7 s for 10,000 trades, on
PostgreSQL), and batches of 10,000 made the read slower, not faster (docs/reports.md)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from pymongo.database import Database

from tradetrack.db.trades import REAL_BOOK, TRADES

Document = dict[str, Any]
REPORTS = "reports"
KEY_PREFIX = "reports/"  # tradetrack_infra.storage.REPORTS_PREFIX: the lifecycle rule's prefix


def new_report_id() -> str:
    return f"rpt_{secrets.token_hex(12)}"


def object_key(user_id: str, file_name: str) -> str:
    """reports/<userId>/<32 random bytes, URL-safe>/<file name>: per user and not guessable."""
    return f"{KEY_PREFIX}{user_id}/{secrets.token_urlsafe(32)}/{file_name}"


def create(db: Database[Document], doc: Document) -> None:
    db[REPORTS].insert_one(doc)


def get(db: Database[Document], user_id: str, report_id: str) -> Document | None:
    """The user's report, or None (another user's is None too)."""
    doc = db[REPORTS].find_one({"_id": report_id})
    return doc if doc is not None and doc.get("userId") == user_id else None


def list_for_user(
    db: Database[Document], user_id: str, *, limit: int, after: tuple[datetime, str] | None
) -> list[Document]:
    """The user's reports, newest first; `after` is the (createdAt, _id) of the previous page's last."""
    query: Document = {"userId": user_id}
    if after is not None:
        created, last_id = after
        query["$or"] = [{"createdAt": {"$lt": created}}, {"createdAt": created, "_id": {"$lt": last_id}}]
    return list(db[REPORTS].find(query).sort([("createdAt", -1), ("_id", -1)]).limit(limit))


def get_any(db: Database[Document], report_id: str) -> Document | None:
    """The report whoever owns it (the worker, which has the id from its own queue)."""
    return db[REPORTS].find_one({"_id": report_id})


def set_state(db: Database[Document], report_id: str, status: str, at: datetime, **fields: Any) -> None:
    db[REPORTS].update_one({"_id": report_id}, {"$set": {"status": status, "updatedAt": at, **fields}})


def trades_opened_between(
    db: Database[Document], user_id: str, start: datetime, end: datetime
) -> list[Document]:
    """The user's real-book trades opened in [start, end) (UTC), oldest first (ties by `_id`); index
    trades.by_user_opened, read backwards."""
    query = {"userId": user_id, "openedAt": {"$gte": start, "$lt": end}, **REAL_BOOK}
    return list(db[TRADES].find(query).sort([("openedAt", 1), ("_id", 1)]))


def trades_with_sales_between(
    db: Database[Document], user_id: str, start: datetime, end: datetime
) -> list[Document]:
    """The user's real-book trades that can have a sale in [start, end) (UTC): the closed ones
    closed from `start` on and the open ones, each opened before `end` (a sale comes after its
    trade's opening and no later than its close). One query whose two `$or` branches MongoDB serves
    by trades.by_status_closed_id (closedAt the range, openedAt left to filter) and
    trades.by_status_newest (openedAt the range); FerretDB v1 reads the user's trades once (two
    queries cost its SQLite backend two reads of them: 8.5 s of store CPU against 4.4-5.3 s)."""
    query = {
        "userId": user_id,
        "openedAt": {"$lt": end},
        "$or": [{"status": "closed", "closedAt": {"$gte": start}}, {"status": "open"}],
        **REAL_BOOK,
    }
    return list(db[TRADES].find(query))
