"""tradetrack.db.bulk: bulk writes in commands the local store can finish, with errors that
point at the caller's statements."""

from __future__ import annotations

from typing import Any

import pytest
from pymongo import DeleteOne, InsertOne, UpdateOne
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from tests.conftest import QUERY_SHAPES
from tradetrack.db.bulk import INSERTS_PER_COMMAND, STATEMENTS_PER_COMMAND, write_in_commands

Document = dict[str, Any]


def test_many_updates_of_stored_documents_finish_in_bounded_commands(mongo_db: Database[Document]) -> None:
    # Given 150 stored documents (FerretDB v1 on SQLite stalls on an update command of 100 of them)
    collection = mongo_db["bulk"]
    collection.insert_many([{"_id": i, "v": 0} for i in range(150)])
    # When one write sets each of them, deletes one and inserts two
    ops: list[Any] = [UpdateOne({"_id": i}, {"$set": {"v": 1}}) for i in range(150)]
    ops += [DeleteOne({"_id": 0}), InsertOne({"_id": 1000, "v": 2}), InsertOne({"_id": 1001, "v": 2})]
    with QUERY_SHAPES.window() as window:
        write_in_commands(collection, ops)
    # Then every statement took effect
    assert collection.count_documents({"v": 1}) == 149
    assert collection.count_documents({"v": 2}) == 2
    assert collection.find_one({"_id": 0}) is None
    # and the inserts went in one command, the rest STATEMENTS_PER_COMMAND a command at most
    names = [c.name for c in window.commands if c.collection == "bulk"]
    assert names.count("insert") == 1
    assert names.count("update") + names.count("delete") == -(-151 // STATEMENTS_PER_COMMAND)


def test_failures_in_any_command_are_reported_against_the_callers_statements(
    mongo_db: Database[Document],
) -> None:
    # Given a stored document
    collection = mongo_db["bulk"]
    collection.insert_one({"_id": "taken", "v": 0})
    # When a write inserts it again among enough updates to need several commands
    ops: list[Any] = [UpdateOne({"_id": f"n{i}"}, {"$set": {"v": 1}}, upsert=True) for i in range(60)]
    ops.insert(40, InsertOne({"_id": "taken", "v": 9}))
    with pytest.raises(BulkWriteError) as raised:
        write_in_commands(collection, ops)
    # Then the error names the insert's own position and the other statements were all applied
    assert [(e["index"], e["code"]) for e in raised.value.details["writeErrors"]] == [(40, 11000)]
    assert collection.count_documents({"v": 1}) == 60
    assert collection.find_one({"_id": "taken"}) == {"_id": "taken", "v": 0}


def test_many_inserts_go_in_commands_of_bounded_size(mongo_db: Database[Document]) -> None:
    # Given 2,500 new documents (a big import's trades: one command of all of them outlasted the
    # handlers' socket timeout on FerretDB)
    ops: list[Any] = [InsertOne({"_id": i}) for i in range(2_500)]
    # When they are written
    with QUERY_SHAPES.window() as window:
        write_in_commands(mongo_db["bulk"], ops)
    # Then all are stored, INSERTS_PER_COMMAND a command
    assert mongo_db["bulk"].count_documents({}) == 2_500
    inserts = [c for c in window.commands if c.collection == "bulk" and c.name == "insert"]
    assert len(inserts) == -(-2_500 // INSERTS_PER_COMMAND)
