"""The MongoDB client: one per container, created on first use, indexes ensured once."""

from __future__ import annotations

import threading
from typing import Any

from pymongo import MongoClient
from pymongo.database import Database

from tradetrack.config import get_settings
from tradetrack.db.indexes import ensure_indexes
from tradetrack.observability import logger

Document = dict[str, Any]

_lock = threading.Lock()
_client: MongoClient[Document] | None = None
_indexed: set[str] = set()


def create_mongo_client(uri: str, *, timeout_ms: int) -> MongoClient[Document]:
    """A client that fails fast when the server is away; it connects on first use, not here."""
    return MongoClient(
        uri,
        appname="tradetrack",
        tz_aware=True,
        connect=False,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        socketTimeoutMS=max(timeout_ms * 5, 5000),
        retryWrites=True,
    )


def get_mongo_client() -> MongoClient[Document]:
    global _client  # noqa: PLW0603 - one client per container is the point
    with _lock:
        if _client is None:
            settings = get_settings()
            _client = create_mongo_client(settings.mongodb_uri, timeout_ms=settings.dependency_timeout_ms)
        return _client


def get_database() -> Database[Document]:
    """The application database; its indexes are ensured on the first call in this container."""
    db = get_mongo_client()[get_settings().mongodb_db]
    if db.name not in _indexed:
        with _lock:
            if db.name not in _indexed:
                ensure_indexes(db)
                _indexed.add(db.name)
                logger.debug("mongo indexes ensured", extra={"database": db.name})
    return db


def use_mongo_client(client: MongoClient[Document] | None) -> None:
    """Hand in a client (a test server, the embedded stand-in), or None to go back to the settings."""
    global _client  # noqa: PLW0603
    with _lock:
        _client = client
        _indexed.clear()
