"""The data_quality documents recomputation writes (tradetrack.quality.repository.write_issues): a
pair's first issues are inserted, not upserted; a document there after all is replaced."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from tests.support.query_shapes import Window
from tradetrack.db.ledgers import Ledger
from tradetrack.quality.repository import issue_id, write_issues

Db = Database[dict[str, Any]]


def ledger(instrument: str, issues: dict[str, Any]) -> Ledger:
    found = Ledger(
        "usr_a",
        "ba_1",
        instrument,
        header={"symbol": instrument.rsplit(":", maxsplit=1)[-1], "segment": "EQ"},
    )
    found.issues = issues
    return found


def commands(window: Window, since: int) -> list[str]:
    return [f"{c.name} {c.collection}" for c in window.commands[since:] if c.collection == "data_quality"]


def test_the_first_issues_of_pairs_without_a_stored_ledger_are_inserted(
    mongo_db: Db, mongo_commands: Window
) -> None:
    # Given two pairs recomputed for the first time (no ledger stored), both with issues
    pairs = [ledger("EQ:NSE:INFY", {"unmatched": [1]}), ledger("EQ:NSE:TCS", {"stale": [2]})]
    # When their issues are written
    since = len(mongo_commands.commands)
    write_issues(mongo_db, pairs, stored=set())
    # Then one insert stores both, with no update (an upsert is a query first on FerretDB)
    assert commands(mongo_commands, since) == ["insert data_quality"]
    stored = {doc["_id"]: doc for doc in mongo_db["data_quality"].find()}
    assert sorted(stored) == sorted(issue_id(p.id) for p in pairs)
    assert stored[issue_id(pairs[0].id)]["unmatched"] == [1]
    assert stored[issue_id(pairs[1].id)]["instrument"] == "EQ:NSE:TCS"


def test_a_document_left_without_its_ledger_is_replaced_not_duplicated(mongo_db: Db) -> None:
    # Given a pair's issues stored by a recomputation that stopped before writing its ledger
    pair = ledger("EQ:NSE:INFY", {"unmatched": [1]})
    write_issues(mongo_db, [pair], stored=set())
    # When its next recomputation (still no ledger stored) writes other issues, with a new pair's
    pair.issues = {"stale": [3]}
    other = ledger("EQ:NSE:TCS", {"unmatched": [4]})
    write_issues(mongo_db, [pair, other], stored=set())
    # Then each pair has one document, with its latest issues
    stored = {doc["_id"]: doc for doc in mongo_db["data_quality"].find()}
    assert sorted(stored) == sorted(issue_id(p.id) for p in (pair, other))
    assert stored[issue_id(pair.id)].get("stale") == [3]
    assert "unmatched" not in stored[issue_id(pair.id)]
    assert stored[issue_id(other.id)]["unmatched"] == [4]


def test_stored_pairs_issues_are_replaced_and_cleared(mongo_db: Db) -> None:
    # Given two pairs with stored ledgers and issues
    first, second = ledger("EQ:NSE:INFY", {"unmatched": [1]}), ledger("EQ:NSE:TCS", {"stale": [2]})
    write_issues(mongo_db, [first, second], stored=set())
    # When one's issues change and the other's are resolved
    first.issues, second.issues = {"unmatched": [5]}, {}
    write_issues(mongo_db, [first, second], stored={first.id, second.id})
    # Then the first is replaced and the second's document is gone
    (only,) = mongo_db["data_quality"].find()
    assert (only["_id"], only["unmatched"]) == (issue_id(first.id), [5])
