"""The Mongo and Redis clients handed to the handlers: in-process stand-ins or real servers.

mongomock answers `db.command("ping")` (checked: {'ok': 1.0}), which is all GET /v1/health needs.
"""

from __future__ import annotations

import os
from datetime import UTC
from pathlib import Path
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


SNAPSHOT_FILE = "mongo.bson"


def save_snapshot(client: Any, directory: Path) -> int:
    """Write every database of the embedded Mongo to `directory` (one file, replaced atomically):
    its documents and its indexes. The number of documents written."""
    import bson

    directory.mkdir(parents=True, exist_ok=True)
    written = 0
    partial = directory / f"{SNAPSHOT_FILE}.partial"
    with partial.open("wb") as out:
        for db_name in client.list_database_names():
            db = client[db_name]
            for name in db.list_collection_names():
                indexes = [
                    {
                        "name": index,
                        "key": [list(part) for part in info["key"]],
                        "unique": bool(info.get("unique")),
                    }
                    for index, info in db[name].index_information().items()
                    if index != "_id_"
                ]
                out.write(bson.encode({"db": db_name, "collection": name, "indexes": indexes}))
                for doc in db[name].find():
                    out.write(bson.encode({"doc": doc}))
                    written += 1
    os.replace(partial, directory / SNAPSHOT_FILE)
    return written


def load_snapshot(client: Any, directory: Path) -> int:
    """Read what save_snapshot wrote into the (empty) embedded Mongo; the number of documents."""
    import bson
    from bson.codec_options import CodecOptions

    path = directory / SNAPSHOT_FILE
    if not path.exists():
        return 0
    options: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=True, tzinfo=UTC)
    loaded = 0
    header: dict[str, Any] | None = None
    pending: list[dict[str, Any]] = []

    def flush() -> int:
        # Documents first, then the indexes: mongomock checks a unique index by scanning the
        # collection on every insert, so loading into an indexed collection is quadratic.
        if header is None:
            return 0
        collection = client[header["db"]][header["collection"]]
        if pending:
            collection.insert_many(pending)
        for index in header["indexes"]:
            keys = [(str(field), direction) for field, direction in index["key"]]
            collection.create_index(keys, name=index["name"], unique=index["unique"])
        return len(pending)

    with path.open("rb") as source:
        for item in bson.decode_file_iter(source, codec_options=options):
            if "doc" in item:
                pending.append(item["doc"])
                continue
            loaded += flush()
            header, pending = item, []
    return loaded + flush()
