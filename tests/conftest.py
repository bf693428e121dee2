"""Fixtures shared by the whole suite: real Redis and FerretDB, a clean database per test,
and the tradetrack package wired to them. AWS is moto; nothing leaves the loopback interface."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fakeredis
import pymongo
import pytest
import redis
from pymongo.database import Database

from local.embedded import embedded_mongo
from tests.support.gateway import Gateway
from tests.support.query_shapes import Recorder, Window
from tests.support.servers import Server, provide, run_ferretdb, run_redis
from tradetrack.auth.keys import SigningKeySet
from tradetrack.aws import reset_aws_clients
from tradetrack.cache.client import use_redis_client
from tradetrack.config import Settings, get_settings, reset_settings
from tradetrack.db.client import use_mongo_client

_SAFE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "ap-south-1",
    "AWS_REGION": "ap-south-1",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "TradeTrackTest",
    "POWERTOOLS_SERVICE_NAME": "tradetrack-test",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    # Paper fills at any hour (the suite runs at any time); market hours are tested with their
    # clock injected (tests/integration/paper/test_paper_market_hours.py)
    "PAPER_MARKET_HOURS": "false",
}
_servers_used: dict[str, Server] = {}
# every command the product sends to the suite's Mongo server (tests/support/query_shapes.py)
QUERY_SHAPES = Recorder()
SHAPES_REPORT = Path(
    os.environ.get("QUERY_SHAPES_REPORT")
    or Path(__file__).resolve().parent.parent / "build" / "query-shapes.json"
)
_shape_failures: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    # Fake credentials so that no test can reach real AWS, whatever the developer's shell holds.
    os.environ.update(_SAFE_ENV)
    os.environ.pop("AWS_PROFILE", None)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when the product sent a query that no declared index serves."""
    if not QUERY_SHAPES.shapes:
        return
    QUERY_SHAPES.save(SHAPES_REPORT)
    failures = QUERY_SHAPES.failures()
    _shape_failures.extend(
        f"{shape.describe()} from {shape.origin} ({count}×): {verdict.reason}"
        for shape, count, verdict in failures
    )
    if failures and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for server in _servers_used.values():
        terminalreporter.write_line(f"{server.name}: {server.origin} {server.url or '(in-process stand-in)'}")
    if QUERY_SHAPES.shapes:
        served = len(QUERY_SHAPES.shapes) - len(_shape_failures)
        terminalreporter.write_line(
            f"query shapes: {len(QUERY_SHAPES.shapes)} recorded, {served} served by an index or an "
            f"allowed scan; report in {SHAPES_REPORT}"
        )
    if _shape_failures:
        terminalreporter.section("queries no declared index serves (tradetrack/db/indexes.py)", red=True)
        for line in _shape_failures:
            terminalreporter.write_line(line, red=True)


@pytest.fixture(scope="session")
def mongo_server() -> Iterator[Server]:
    with provide("mongo", "MONGODB_URI", run_ferretdb) as server:
        _servers_used["mongo"] = server
        yield server


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Server]:
    with provide("redis", "REDIS_URL", run_redis) as server:
        _servers_used["redis"] = server
        yield server


@pytest.fixture(scope="session")
def mongo_client(mongo_server: Server) -> Iterator[pymongo.MongoClient[dict[str, Any]]]:
    client: Any
    if mongo_server.url:
        client = pymongo.MongoClient(
            mongo_server.url, tz_aware=True, serverSelectionTimeoutMS=5000, event_listeners=[QUERY_SHAPES]
        )
    else:
        client = embedded_mongo()
    yield client
    client.close()


@pytest.fixture
def mongo_db(mongo_client: pymongo.MongoClient[dict[str, Any]]) -> Iterator[Database[dict[str, Any]]]:
    """A database of its own for this test, dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    yield mongo_client[name]
    mongo_client.drop_database(name)


@pytest.fixture
def mongo_commands() -> Iterator[Window]:
    """The commands the product sends to Mongo during the test (round trips, documents returned)."""
    with QUERY_SHAPES.window() as window:
        yield window


@pytest.fixture
def redis_client(redis_server: Server) -> Iterator[redis.Redis]:
    """A Redis client on a flushed database (the suite's own server, or a fake)."""
    client: redis.Redis
    if redis_server.url:
        client = redis.Redis.from_url(redis_server.url, decode_responses=True)
    else:
        client = fakeredis.FakeRedis(decode_responses=True)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def app_env(
    monkeypatch: pytest.MonkeyPatch,
    mongo_server: Server,
    redis_server: Server,
    mongo_client: pymongo.MongoClient[dict[str, Any]],
    mongo_db: Database[dict[str, Any]],
    redis_client: redis.Redis,
) -> Iterator[Settings]:
    """The tradetrack package pointed at this test's database and Redis, as a Lambda would be."""
    monkeypatch.setenv("MONGODB_DB", mongo_db.name)
    for var, server in (("MONGODB_URI", mongo_server), ("REDIS_URL", redis_server)):
        if server.url:
            monkeypatch.setenv(var, server.url)
    reset_settings()
    reset_aws_clients()
    use_mongo_client(mongo_client)
    use_redis_client(redis_client)
    yield get_settings()
    use_mongo_client(None)
    use_redis_client(None)
    reset_aws_clients()
    reset_settings()


@pytest.fixture
def moto_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every boto3 call in the test goes to moto's in-memory AWS."""
    from moto import mock_aws

    from tradetrack.auth.key_store import reset_key_caches

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        reset_aws_clients()
        reset_key_caches()
        yield
    reset_aws_clients()
    reset_key_caches()


@pytest.fixture(scope="session")
def session_signing_keys() -> SigningKeySet:
    """One key set for the session: RSA key generation takes a good part of a second."""
    from tradetrack.auth.keys import rotate

    return rotate(None)


@pytest.fixture
def gateway(
    app_env: Settings, moto_aws: None, monkeypatch: pytest.MonkeyPatch, session_signing_keys: SigningKeySet
) -> Gateway:
    """API Gateway over the manifest's functions, with signing keys in (moto) Secrets Manager."""
    from tradetrack.auth.key_store import publish_signing_keys
    from tradetrack.aws import aws_client

    monkeypatch.setenv("BCRYPT_COST", "4")  # the real cost is measured by the login benchmark
    reset_settings()
    publish_signing_keys(aws_client("secretsmanager"), aws_client("ssm"), session_signing_keys)
    return Gateway()
