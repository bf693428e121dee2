"""The Mongo and Redis clients handed to the handlers: in-process stand-ins or real servers.

mongomock answers `db.command("ping")` (checked: {'ok': 1.0}), which is all GET /v1/health needs.
"""

from __future__ import annotations

from typing import Any

import redis


def _accept_pymongo_bulk_sort() -> None:
    """pymongo >= 4.11 hands `sort=` to the bulk builder for every UpdateOne/ReplaceOne (None
    unless asked for); mongomock 4.3's builder has no such parameter, so every bulk_write with
    an update failed. Accept the None pymongo always sends; a real sort stays unsupported here,
    as it is on FerretDB v1 (ARCHITECTURE.md forbids update_one(sort=...))."""
    from mongomock.collection import BulkOperationBuilder

    if getattr(BulkOperationBuilder, "_tradetrack_sort_shim", False):
        return
    add_update: Any = BulkOperationBuilder.add_update
    add_replace: Any = BulkOperationBuilder.add_replace

    def update(self: Any, *args: Any, sort: Any = None, **kwargs: Any) -> Any:
        if sort is not None:
            raise NotImplementedError("sort in bulk updates is not supported")
        return add_update(self, *args, **kwargs)

    def replace(self: Any, *args: Any, sort: Any = None, **kwargs: Any) -> Any:
        if sort is not None:
            raise NotImplementedError("sort in bulk replaces is not supported")
        return add_replace(self, *args, **kwargs)

    BulkOperationBuilder.add_update = update  # type: ignore[method-assign]
    BulkOperationBuilder.add_replace = replace  # type: ignore[method-assign]
    BulkOperationBuilder._tradetrack_sort_shim = True  # type: ignore[attr-defined]


def embedded_mongo() -> Any:
    import mongomock

    _accept_pymongo_bulk_sort()
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
