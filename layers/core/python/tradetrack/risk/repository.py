"""Risk's storage: the only module naming its collections (indexes: tradetrack.db.indexes).

- `risk_limits`: one document per scope, `_id` "userId|*" (the user's) or "userId|accountId";
  money fields scaled by 10^4; `monitored` says the monitor has something to watch in it.
- `risk_violations`: one document per (user, account, rule, IST day), its `_id` derived from those,
  so recording a violation twice (two ticks, a retried sync) inserts it once.
- Redis `risk:limits:<userId>`: the user's limits (every scope) as JSON, for the pre-trade check of
  every paper placement (a Redis read instead of a Mongo round trip); filled on a miss, dropped when
  limits are set, kept CACHE_TTL_S at most (a fill racing a change can hold the old limits that long).
- Redis `risk:journal:<userId>:<day>`: what the daily-loss check reads of the user's journal (open
  trades, the day's realised P&L per account) with the version of the journal it was read at;
  `risk:journal:v:<userId>` is that version, moved on by every paper fill applied (`bump_journal`).
  An entry of another version is a miss (read again and kept), so a placement never sees a journal
  older than its last fill; kept JOURNAL_TTL_S at most (other journal changes, e.g. an ops rebuild).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from datetime import datetime
from typing import Any

import redis
from pymongo import DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tradetrack.db.filters import owned_ids
from tradetrack.risk.rules import Limits

Document = dict[str, Any]
LIMITS = "risk_limits"
VIOLATIONS = "risk_violations"
USER_SCOPE = "*"
_CACHE = "risk:limits:{}"
CACHE_TTL_S = 60
_JOURNAL = "risk:journal:{}:{}"
_JOURNAL_VERSION = "risk:journal:v:{}"
JOURNAL_TTL_S = 120
VERSION_TTL_S = 86_400
LIMIT_FIELDS = (
    "accountId", "maxLossPerDay", "maxOrderValue", "maxPositionValue", "maxOpenPositions",
    "maxQuantityPerOrder", "allowedExchanges", "allowedInstruments",
)  # fmt: skip


def limits_id(user_id: str, account_id: str | None) -> str:
    return f"{user_id}|{account_id or USER_SCOPE}"


def get_limits(db: Database[Document], user_id: str, account_id: str | None) -> Document | None:
    return db[LIMITS].find_one({"_id": limits_id(user_id, account_id)})


def limits_for(
    db: Database[Document], user_id: str, account_id: str
) -> tuple[Document | None, Document | None]:
    """(the user's, the account's) limits documents, one query by `_id` (owned_ids: FerretDB scans
    for `_id $in` alone)."""
    wanted = [limits_id(user_id, None), limits_id(user_id, account_id)]
    found = {doc["_id"]: doc for doc in db[LIMITS].find(owned_ids(user_id, wanted))}
    return found.get(wanted[0]), found.get(wanted[1])


def put_limits(
    db: Database[Document], cache: redis.Redis, user_id: str, account_id: str | None, fields: Document
) -> Document:
    doc = {"userId": user_id, "accountId": account_id, **fields}
    db[LIMITS].replace_one({"_id": limits_id(user_id, account_id)}, doc, upsert=True)
    cache.delete(_CACHE.format(user_id))
    return {"_id": limits_id(user_id, account_id), **doc}


def cached_limits(db: Database[Document], cache: redis.Redis, user_id: str) -> dict[str, Document]:
    """The user's limits documents (their limit fields) by `_id`: from Redis, else from Mongo (the
    `by_user` index) and then kept in Redis. Without Redis, from Mongo."""
    key = _CACHE.format(user_id)
    try:
        raw = cache.get(key)
    except redis.exceptions.RedisError:
        raw = None
    if raw is not None:
        found: dict[str, Document] = json.loads(raw)
        return found
    docs = {str(d["_id"]): {k: d.get(k) for k in LIMIT_FIELDS} for d in user_limits(db, user_id)}
    with contextlib.suppress(redis.exceptions.RedisError):
        cache.set(key, json.dumps(docs, separators=(",", ":")), ex=CACHE_TTL_S)
    return docs


def cached_journal(cache: redis.Redis, user_id: str, day: str) -> tuple[int | None, Document | None]:
    """(the user's journal version now, the day's kept reading if it was read at that version):
    one Redis round trip; (None, None) without Redis."""
    try:
        pipe = cache.pipeline()
        pipe.get(_JOURNAL_VERSION.format(user_id))
        pipe.get(_JOURNAL.format(user_id, day))
        version_raw, raw = pipe.execute()
    except redis.exceptions.RedisError:
        return None, None
    version = int(version_raw or 0)
    kept: Document | None = json.loads(raw) if raw is not None else None
    return version, kept if kept is not None and kept.get("version") == version else None


def keep_journal(cache: redis.Redis, user_id: str, day: str, version: int, reading: Document) -> None:
    """Keep a reading of the journal made at `version` (best effort)."""
    body = json.dumps({**reading, "version": version}, separators=(",", ":"), default=str)
    with contextlib.suppress(redis.exceptions.RedisError):
        cache.set(_JOURNAL.format(user_id, day), body, ex=JOURNAL_TTL_S)


def bump_journal(cache: redis.Redis, user_id: str) -> None:
    """The user's journal changed (a paper fill recorded): kept readings are stale from now on."""
    with contextlib.suppress(redis.exceptions.RedisError):
        pipe = cache.pipeline()
        pipe.incr(_JOURNAL_VERSION.format(user_id))
        pipe.expire(_JOURNAL_VERSION.format(user_id), VERSION_TTL_S)
        pipe.execute()


def monitored_limits(db: Database[Document]) -> list[Document]:
    """Every scope with limits the monitor watches (the `by_monitored` index)."""
    return list(db[LIMITS].find({"monitored": True}))


def user_limits(db: Database[Document], user_id: str) -> list[Document]:
    """All of one user's limits documents (the `by_user` index)."""
    return list(db[LIMITS].find({"userId": user_id}))


def limits_of_users(db: Database[Document], user_ids: list[str]) -> list[Document]:
    """All these users' limits documents in one query (the `by_user` index)."""
    return list(db[LIMITS].find({"userId": {"$in": user_ids}})) if user_ids else []


def violation_id(user_id: str, account_id: str, rule: str, day: str) -> str:
    digest = hashlib.sha256(f"{user_id}|{account_id}|{rule}|{day}".encode()).hexdigest()
    return f"rv_{digest[:24]}"


def record_violation(db: Database[Document], doc: Document) -> tuple[Document, bool]:
    """Insert the day's violation once: (the stored document, whether this call inserted it)."""
    try:
        db[VIOLATIONS].insert_one(doc)
        return doc, True
    except DuplicateKeyError:
        found = db[VIOLATIONS].find_one({"_id": doc["_id"]})
        return (found or doc), False


def set_violation_fields(db: Database[Document], violation: str, fields: Document) -> None:
    db[VIOLATIONS].update_one({"_id": violation}, {"$set": fields})


def list_violations(
    db: Database[Document],
    user_id: str,
    *,
    account_id: str | None,
    limit: int,
    after: tuple[datetime, str] | None,
) -> list[Document]:
    """Newest first by (createdAt, _id); `after`: the last item of the previous page."""
    query: Document = {"userId": user_id}
    if account_id is not None:
        query["accountId"] = account_id
    if after is not None:
        moment, last = after
        query["$or"] = [{"createdAt": {"$lt": moment}}, {"createdAt": moment, "_id": {"$lt": last}}]
    order = [("createdAt", DESCENDING), ("_id", DESCENDING)]
    return list(db[VIOLATIONS].find(query).sort(order).limit(limit))


def to_limits(doc: Document | None) -> Limits | None:
    """A stored limits document as rules.Limits (None: no document)."""
    if doc is None:
        return None

    def listed(key: str) -> frozenset[str] | None:
        value = doc.get(key)
        return None if value is None else frozenset(str(v) for v in value)

    user_scope = doc.get("accountId") is None  # the user's loss limit also bounds the book's sum
    return Limits(
        book_max_loss_per_day=doc.get("maxLossPerDay") if user_scope else None,
        max_loss_per_day=doc.get("maxLossPerDay"),
        max_order_value=doc.get("maxOrderValue"),
        max_position_value=doc.get("maxPositionValue"),
        max_open_positions=doc.get("maxOpenPositions"),
        max_quantity_per_order=doc.get("maxQuantityPerOrder"),
        allowed_exchanges=listed("allowedExchanges"),
        allowed_instruments=listed("allowedInstruments"),
    )
