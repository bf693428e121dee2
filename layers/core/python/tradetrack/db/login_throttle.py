"""Login attempt counters in Mongo, used only while Redis (tradetrack.cache.rate_limit) is down.

Fixed windows: one document per (limit, hashed subject, window), read and counted by `_id` in one
round trip. Expired windows are deleted on the next count. On FerretDB v1 two concurrent upserts of
one window may both count from zero: an approximation a fallback can afford.
"""

from __future__ import annotations

import hashlib
import math
import time
from datetime import UTC, datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.database import Database

LOGIN_THROTTLE = "login_throttle"


def count_attempt(
    db: Database[dict[str, Any]], name: str, subject: str, *, window_s: float
) -> tuple[int, int]:
    """Count one attempt in the current window: (attempts in it so far, seconds until it ends)."""
    now = time.time()
    window = math.floor(now / window_s)
    ends = (window + 1) * window_s
    digest = hashlib.sha256(subject.encode("utf-8")).hexdigest()[:32]
    doc = db[LOGIN_THROTTLE].find_one_and_update(
        {"_id": f"{name}:{digest}:{window}"},
        {"$inc": {"n": 1}, "$setOnInsert": {"expiresAt": datetime.fromtimestamp(ends, UTC)}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    db[LOGIN_THROTTLE].delete_many({"expiresAt": {"$lt": datetime.fromtimestamp(now, UTC)}})
    return int(doc["n"]) if doc else 1, max(1, math.ceil(ends - now))
