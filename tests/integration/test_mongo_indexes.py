"""Indexes declared in code are created on the real MongoDB-wire server, idempotently."""

from __future__ import annotations

from typing import Any

import pytest
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tradetrack.config import Settings
from tradetrack.db import client as db_client
from tradetrack.db.indexes import ensure_indexes

SPEC = {
    "executions": [
        IndexModel(
            [
                ("userId", ASCENDING),
                ("accountId", ASCENDING),
                ("source", ASCENDING),
                ("externalId", ASCENDING),
            ],
            unique=True,
            name="execution_identity",
        ),
        IndexModel([("userId", ASCENDING), ("executedAt", DESCENDING)], name="by_user_time"),
    ]
}


def test_declared_indexes_exist_after_ensure_and_a_second_run_changes_nothing(
    mongo_db: Database[dict[str, Any]],
) -> None:
    # Given a declaration / When ensured twice
    first = ensure_indexes(mongo_db, SPEC)
    second = ensure_indexes(mongo_db, SPEC)
    # Then the indexes are there once, with their options
    info = mongo_db["executions"].index_information()
    assert first == second == ["execution_identity", "by_user_time"]
    assert info["execution_identity"]["unique"] is True


def test_the_unique_index_refuses_a_duplicate_fill(mongo_db: Database[dict[str, Any]]) -> None:
    ensure_indexes(mongo_db, SPEC)
    fill = {"userId": "u1", "accountId": "a1", "source": "kite", "externalId": "T1"}
    mongo_db["executions"].insert_one(dict(fill))
    with pytest.raises(DuplicateKeyError):
        mongo_db["executions"].insert_one(dict(fill))


@pytest.mark.parametrize("option", [{"expireAfterSeconds": 60}, {"partialFilterExpression": {"a": 1}}])
def test_indexes_ferretdb_cannot_run_are_refused(
    mongo_db: Database[dict[str, Any]], option: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match="not portable"):
        ensure_indexes(mongo_db, {"x": [IndexModel([("a", ASCENDING)], **option)]})


def test_the_application_database_is_indexed_on_first_use(
    app_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a declaration registered for the application / When the database is first used
    monkeypatch.setattr("tradetrack.db.indexes.INDEXES", SPEC)
    db = db_client.get_database()
    # Then its indexes exist without anyone calling ensure_indexes
    assert db.name == app_env.mongodb_db
    assert "execution_identity" in db["executions"].index_information()


def test_a_changed_definition_under_an_existing_name_is_refused(mongo_db: Database[dict[str, Any]]) -> None:
    # Given an index already created / When the same name is declared over other keys / Then it is refused
    ensure_indexes(mongo_db, {"t": [IndexModel([("a", ASCENDING)], name="by_a")]})
    with pytest.raises(ValueError, match="another definition"):
        ensure_indexes(mongo_db, {"t": [IndexModel([("b", ASCENDING)], name="by_a")]})


def test_an_index_a_release_replaced_is_dropped_when_the_declared_ones_are_ensured(
    mongo_db: Database[dict[str, Any]],
) -> None:
    # Given a database indexed by an earlier release (executions newest-first without the _id tie-break)
    mongo_db["executions"].create_index(
        [("userId", ASCENDING), ("executedAt", DESCENDING)], name="by_user_time"
    )
    # When this release's indexes are ensured
    ensure_indexes(mongo_db)
    # Then the replaced index is gone and its successor is there
    info = mongo_db["executions"].index_information()
    assert "by_user_time" not in info
    assert "by_user_newest" in info
