"""Risk's storage: the only module naming its collections (indexes: tradetrack.db.indexes).

- `risk_limits`: one document per scope, `_id` "userId|*" (the user's) or "userId|accountId";
  money fields scaled by 10^4; `monitored` says the monitor has something to watch in it.
- `risk_violations`: one document per (user, account, rule, IST day), its `_id` derived from those,
  so recording a violation twice (two ticks, a retried sync) inserts it once.
- Redis `risk:limits:<userId>`: the user's limits (every scope) as JSON, for the pre-trade check of
  every paper placement (a Redis read instead of a Mongo round trip); filled on a miss, dropped when
  limits are set, kept CACHE_TTL_S at most (a fill racing a change can hold the old limits that long).
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

Document = dict[str, Any]
LIMITS = "risk_limits"
VIOLATIONS = "risk_violations"
USER_SCOPE = "*"
_CACHE = "risk:limits:{}"
CACHE_TTL_S = 60
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
    """(the user's, the account's) limits documents, one query by `_id` (the user beside the `$in`,
    an equality FerretDB pushes down: it scans for `_id $in` alone, docs/local-store.md)."""
    wanted = [limits_id(user_id, None), limits_id(user_id, account_id)]
    found = {doc["_id"]: doc for doc in db[LIMITS].find({"userId": user_id, "_id": {"$in": wanted}})}
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
