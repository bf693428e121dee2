"""The MongoDB client: one per container, created on first use, indexes ensured once."""

from __future__ import annotations

import json
import threading
from typing import Any
from urllib.parse import parse_qsl

from pymongo import MongoClient
from pymongo.database import Database

from tradetrack.config import ConfigError, get_settings
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


_LOOPBACK = {"localhost", "127.0.0.1", "::1"}
_UNVERIFIED = ("tlsinsecure", "tlsallowinvalidcertificates", "tlsallowinvalidhostnames")


def mongo_uri_from_secret(secret: str) -> str:
    """The secret holds the URI itself, or JSON with a "uri" key. It must use TLS with a verified
    server (Atlas: a mongodb+srv:// URI, or tls=true), unless it names this machine only."""
    text = secret.strip()
    if text.startswith("{"):
        text = str(json.loads(text).get("uri", ""))
    if not text.startswith(("mongodb://", "mongodb+srv://")):
        raise ConfigError("the MongoDB URI secret does not hold a mongodb:// or mongodb+srv:// URI")
    _require_tls(text)
    return text


def _host_name(host: str) -> str:
    """ "[::1]:27017" → "::1", "db.example.net:27017" → "db.example.net"."""
    if host.startswith("["):
        return host[1 : host.find("]")].lower()
    return host.partition(":")[0].lower()


def _require_tls(uri: str) -> None:
    scheme, _, rest = uri.partition("://")
    authority, _, query = rest.partition("?")
    hosts = authority.split("/", 1)[0].rpartition("@")[2]
    if {_host_name(host) for host in hosts.split(",")} <= _LOOPBACK:
        return
    options = {key.lower(): value.lower() for key, value in parse_qsl(query)}
    default = "true" if scheme == "mongodb+srv" else "false"
    if options.get("tls", options.get("ssl", default)) != "true":
        raise ConfigError("the MongoDB URI must use TLS: a mongodb+srv:// URI, or tls=true")
    unverified = [option for option in _UNVERIFIED if options.get(option) == "true"]
    if unverified:
        raise ConfigError(f"the MongoDB URI must verify the server's certificate: {unverified[0]} is set")


def _mongo_uri() -> str:
    settings = get_settings()
    if not settings.mongodb_uri_secret_arn:
        return settings.mongodb_uri
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    from tradetrack.aws import aws_client

    secret = SecretsProvider(boto3_client=aws_client("secretsmanager")).get(settings.mongodb_uri_secret_arn)
    return mongo_uri_from_secret(str(secret))


def get_mongo_client() -> MongoClient[Document]:
    global _client  # noqa: PLW0603 - one client per container is the point
    with _lock:
        if _client is None:
            _client = create_mongo_client(_mongo_uri(), timeout_ms=get_settings().dependency_timeout_ms)
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
