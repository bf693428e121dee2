"""FerretDB v1.24.2 on PostgreSQL, the store `make dev` runs (local/stores.py): its equality
filters reach an index, and update commands of many statements finish.

FerretDB pushes `{"userId": "u1"}` down as `_jsonb -> 'userId' @> '"u1"'`, which its own btree
indexes cannot answer; the harness mirrors each key of those indexes as a GIN index. Its update
command holds a connection per matching statement until it ends; the harness raises its pool.
The plan is FerretDB's `explain`, which returns PostgreSQL's."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pymongo
import pymongo.errors
import pytest
from pymongo import UpdateOne

from local import stores
from tests.support.servers import ServerUnavailable, in_ci
from tradetrack.db.indexes import ensure_indexes

Document = dict[str, Any]


@contextmanager
def _ferretdb(data: Path, *, throwaway: bool = True) -> Iterator[str]:
    """FerretDB on PostgreSQL over `data`; outside CI a machine without PostgreSQL skips."""
    try:
        store = stores.run_ferretdb(data, "postgresql", throwaway=throwaway)
        url = store.__enter__()
    except ServerUnavailable as exc:  # pragma: no cover - only where PostgreSQL is missing
        if in_ci():
            raise
        pytest.skip(f"FerretDB on PostgreSQL unavailable: {exc}")
    try:
        yield url
    finally:
        store.__exit__(None, None, None)


@pytest.fixture
def data_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="tradetrack-pg-store-") as tmp:
        Path(tmp).chmod(0o711)  # as root, PostgreSQL runs as `postgres`, who must enter it
        yield Path(tmp)


def index_scans(client: pymongo.MongoClient[Document], query: Document) -> list[str]:
    """The indexes PostgreSQL's plan for a find of `query` on t.trades scans."""
    plan = client["t"].command("explain", {"find": "trades", "filter": query})["queryPlanner"]["Plan"]
    found: list[str] = []
    nodes = [plan]
    while nodes:
        node = nodes.pop()
        if "Index Name" in node:
            found.append(str(node["Index Name"]))
        nodes += node.get("Plans", [])
    return found


def seeded(client: pymongo.MongoClient[Document]) -> None:
    ensure_indexes(client["t"])
    docs = [{"_id": f"t{i}", "userId": f"u{i % 50}", "openedAt": i} for i in range(5_000)]
    client["t"]["trades"].insert_many(docs)


def test_equality_filters_are_answered_from_an_index(data_dir: Path) -> None:
    # Given FerretDB on PostgreSQL with the product's indexes and 5,000 trades of 50 users
    with _ferretdb(data_dir) as url:
        client: pymongo.MongoClient[Document] = pymongo.MongoClient(url)
        seeded(client)
        # When a user's trades and one trade by _id are planned
        by_user = index_scans(client, {"userId": "u7"})
        by_id = index_scans(client, {"_id": "t42"})
        # Then each plan scans a mirrored GIN index instead of the table
        assert by_user and all("_gin_" in name for name in by_user), by_user
        assert by_id and all("_gin_" in name for name in by_id), by_id
        # and the answers are the documents asked for
        assert client["t"]["trades"].count_documents({"userId": "u7"}) == 100
        assert client["t"]["trades"].find_one({"_id": "t42"}) == {
            "_id": "t42",
            "userId": "u42",
            "openedAt": 42,
        }
        client.close()


def test_a_data_directory_from_before_the_mirror_gets_it_at_start(data_dir: Path) -> None:
    # Given a kept data directory whose FerretDB indexes have no mirror (an earlier release's)
    with _ferretdb(data_dir, throwaway=False) as url:
        client: pymongo.MongoClient[Document] = pymongo.MongoClient(url)
        seeded(client)
        client.close()
        pg_port = (data_dir / "postgresql" / "pgdata" / "postmaster.pid").read_text().splitlines()[3]
        psql = [
            str(stores.postgres_bindir() / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            pg_port,
            "-U",
            stores.PG_USER,
        ]
        drop = (
            "DO $$ DECLARE i record; BEGIN FOR i IN SELECT schemaname, indexname FROM pg_indexes "
            "WHERE indexname LIKE '%\\_gin\\_%' LOOP EXECUTE format('DROP INDEX %I.%I', i.schemaname, "
            "i.indexname); END LOOP; END $$;"
        )
        subprocess.run([*psql, "-d", stores.PG_DATABASE, "-c", drop], check=True, capture_output=True)
        client = pymongo.MongoClient(url)
        assert not any("_gin_" in name for name in index_scans(client, {"userId": "u7"}))
        client.close()
    # When the store starts again over it
    with _ferretdb(data_dir, throwaway=False) as url:
        client = pymongo.MongoClient(url)
        # Then the indexes are mirrored and the data is all there
        assert any("_gin_" in name for name in index_scans(client, {"userId": "u7"}))
        assert client["t"]["trades"].count_documents({}) == 5_000
        client.close()


def _sql(data_dir: Path, query: str) -> list[str]:
    """Rows of `query` in the store's PostgreSQL (one per line, columns joined by |)."""
    pg_port = (data_dir / "postgresql" / "pgdata" / "postmaster.pid").read_text().splitlines()[3]
    psql = [str(stores.postgres_bindir() / "psql"), "-h", "127.0.0.1", "-p", pg_port, "-U", stores.PG_USER]
    done = subprocess.run(
        [*psql, "-d", stores.PG_DATABASE, "-At", "-c", query], check=True, capture_output=True
    )
    return done.stdout.decode().split()


def test_non_unique_btrees_are_left_empty_and_unique_ones_enforce_uniqueness(data_dir: Path) -> None:
    # Given FerretDB on PostgreSQL with the product's indexes and 5,000 trades of 50 users
    with _ferretdb(data_dir) as url:
        client: pymongo.MongoClient[Document] = pymongo.MongoClient(url)
        seeded(client)
        # Then FerretDB's non-unique btrees over the documents hold nothing (`WHERE false`): no
        # query of FerretDB's can use them, and they cost every insert
        btrees = _sql(
            data_dir,
            "SELECT i.indisunique || '|' || (i.indpred IS NOT NULL) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 't' AND am.amname = 'btree' AND pg_get_indexdef(c.oid) LIKE '%_jsonb -> %'",
        )
        assert "false|true" in btrees and "false|false" not in btrees, btrees
        # and FerretDB still lists every declared index, answers from the mirrors, and drops one
        declared = set(client["t"]["trades"].index_information())
        assert {"by_user_opened", "by_status_newest"} <= declared
        assert all("_gin_" in name for name in index_scans(client, {"userId": "u7"}))
        assert client["t"]["trades"].count_documents({"userId": "u7"}) == 100
        client["t"]["trades"].drop_index("by_status_newest")
        assert "by_status_newest" not in client["t"]["trades"].index_information()
        # And a unique index still refuses a second document with its key
        client["t"]["users"].insert_one({"_id": "a", "emailLower": "a@example.com"})
        with pytest.raises(pymongo.errors.DuplicateKeyError):
            client["t"]["users"].insert_one({"_id": "b", "emailLower": "a@example.com"})
        client.close()


@pytest.mark.parametrize("throwaway", [True, False], ids=["test-cluster", "make-dev-cluster"])
def test_large_documents_are_stored_compressed_with_lz4_and_read_back_whole(
    data_dir: Path, throwaway: bool
) -> None:
    # Given FerretDB on PostgreSQL, a test cluster or make dev's kept one
    with _ferretdb(data_dir, throwaway=throwaway) as url:
        client: pymongo.MongoClient[Document] = pymongo.MongoClient(url)
        orders = client["t"]["orders"]
        # When it stores a document past PostgreSQL's 2 kB TOAST threshold (an order of ours is
        # ~2.4 kB with FerretDB's type schema) and a small one
        large = {"_id": "big", "userId": "u1", **{f"field{i:02d}": f"value {i}" * 4 for i in range(60)}}
        orders.insert_many([large, {"_id": "small", "userId": "u1"}])
        # Then the large one is compressed with lz4, not pglz, and the small one not at all
        table = _sql(
            data_dir,
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 't' AND c.relkind = 'r' AND c.relname LIKE 'orders_%'",
        )[0]
        row = "_jsonb->>'_id' || ':' || coalesce(pg_column_compression(_jsonb), 'none')"
        compression = _sql(data_dir, f"SELECT {row} FROM t.{table}")  # noqa: S608 - the catalog's name
        assert sorted(compression) == ["big:lz4", "small:none"]
        # And both read back exactly as written
        assert orders.find_one({"_id": "big"}) == large
        assert orders.find_one({"_id": "small"}) == {"_id": "small", "userId": "u1"}
        client.close()


def test_an_update_command_of_many_matching_statements_finishes(data_dir: Path) -> None:
    # Given 120 stored documents (FerretDB's own pool of 50 connections deadlocked at 50)
    with _ferretdb(data_dir) as url:
        client: pymongo.MongoClient[Document] = pymongo.MongoClient(url, socketTimeoutMS=30_000)
        collection = client["t"]["many"]
        collection.insert_many([{"_id": i, "v": 0} for i in range(120)])
        # When one update command sets each of them
        result = collection.bulk_write([UpdateOne({"_id": i}, {"$set": {"v": 1}}) for i in range(120)])
        # Then it finishes and every document changed
        assert result.modified_count == 120
        assert collection.count_documents({"v": 1}) == 120
        client.close()


def test_make_devs_default_store_is_ferretdb_on_postgresql_kept_in_its_directory(data_dir: Path) -> None:
    from contextlib import ExitStack

    from local.config import LocalConfig
    from local.server import start_store

    # Given the local stack's configuration with no store chosen
    config = LocalConfig.from_env({"LOCAL_STORE_DIR": str(data_dir)})
    assert config.store == "auto"
    with ExitStack() as servers:
        # When `python -m local` starts its store
        started, described = start_store(config, servers)
        # Then it is FerretDB on PostgreSQL, its data under the directory, and it answers
        assert "FerretDB v1.24.2 on PostgreSQL" in described
        assert (data_dir / "ferretdb-postgresql" / "postgresql" / "pgdata" / "PG_VERSION").exists()
        client: pymongo.MongoClient[Document] = pymongo.MongoClient(started.mongodb_uri)
        assert client.admin.command("ping")["ok"] == 1.0
        client.close()


def test_without_ferretdb_the_default_falls_back_to_the_embedded_store_and_an_explicit_choice_fails(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from contextlib import ExitStack

    from local.config import LocalConfig
    from local.server import start_store

    # Given a machine where FerretDB was never built (an empty cache directory)
    monkeypatch.setenv("TRADETRACK_CACHE", str(data_dir / "empty-cache"))
    # When the default store starts
    with ExitStack() as servers:
        config, described = start_store(LocalConfig.from_env({"LOCAL_STORE_DIR": str(data_dir)}), servers)
    # Then the stack runs on the embedded store, and the log says why and what to run
    assert (config.store, config.mongodb_uri, described) == ("embedded", "", "")
    assert "make servers" in caplog.text and "FerretDB is not built" in caplog.text
    # and asking for FerretDB explicitly stops with the reason instead
    with ExitStack() as servers, pytest.raises(SystemExit, match="LOCAL_STORE=ferretdb could not start"):
        start_store(
            LocalConfig.from_env({"LOCAL_STORE": "ferretdb", "LOCAL_STORE_DIR": str(data_dir)}), servers
        )
