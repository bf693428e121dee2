"""The Mongo and Redis clients handed to the handlers: in-process stand-ins or real servers.

mongomock answers `db.command("ping")` (checked: {'ok': 1.0}), which is all GET /v1/health needs.
"""

from __future__ import annotations

from typing import Any

import redis


def embedded_mongo() -> Any:
    import mongomock

    return mongomock.MongoClient(tz_aware=True)


def embedded_redis() -> redis.Redis:
    import fakeredis

    client: redis.Redis = fakeredis.FakeRedis(decode_responses=True)
    return client


def mongo_for(uri: str, *, timeout_ms: int = 2000) -> Any:
    """A client for `uri`, or the embedded stand-in when it is empty."""
    if not uri:
        return embedded_mongo()
    from tradetrack.db.client import create_mongo_client

    return create_mongo_client(uri, timeout_ms=timeout_ms)


def redis_for(url: str, *, timeout_ms: int = 2000) -> redis.Redis:
    if not url:
        return embedded_redis()
    from tradetrack.cache.client import create_redis_client

    return create_redis_client(url, timeout_ms=timeout_ms)
