"""The batched writes' failure handling: an unordered insert_many's duplicates are "already known",
any other write error fails only the documents it names, and nothing is dropped silently; and
Idempotency.once_each answers each key once (fakeredis as the store)."""

from __future__ import annotations

from typing import Any

import fakeredis
import pytest
from pymongo.errors import BulkWriteError

from tradetrack.db.executions import insert_each
from tradetrack.idempotency import Idempotency, Outcome

Document = dict[str, Any]
# Without a Lambda context Powertools cannot bound an in-progress record's life, and says so.
pytestmark = pytest.mark.filterwarnings("ignore:Couldn't determine the remaining time")


class Collection:
    """insert_many as a server answers it: the documents at `refused` indexes fail with their code."""

    def __init__(self, refused: dict[int, int]) -> None:
        self.refused = refused
        self.stored: list[Document] = []

    def insert_many(self, docs: list[Document], ordered: bool) -> None:
        assert ordered is False  # one failure must not stop the others
        errors = [{"index": i, "code": code, "errmsg": f"code {code}"} for i, code in self.refused.items()]
        self.stored.extend(doc for i, doc in enumerate(docs) if i not in self.refused)
        if errors:
            raise BulkWriteError({"writeErrors": errors, "nInserted": len(docs) - len(errors)})


def docs(n: int) -> list[Document]:
    return [{"_id": f"exe_{i}"} for i in range(n)]


def test_duplicates_are_known_fills_and_other_errors_are_reported_by_index() -> None:
    # Given a batch of five where #1 is already stored and #3 fails for another reason
    collection = Collection({1: 11000, 3: 121})
    # When it is inserted
    report = insert_each({"executions": collection}, docs(5))  # type: ignore[arg-type]
    # Then the duplicate is counted, the failure is named, and the rest are stored and reported
    assert report.duplicates == 1
    assert list(report.failed) == [3] and "121" in report.failed[3]
    assert [d["_id"] for d in report.inserted] == ["exe_0", "exe_2", "exe_4"]
    assert collection.stored == report.inserted


def test_a_write_concern_error_without_write_errors_is_raised() -> None:
    class Unsure(Collection):
        def insert_many(self, docs: list[Document], ordered: bool) -> None:
            raise BulkWriteError({"writeErrors": [], "writeConcernErrors": [{"code": 64}]})

    # Given a server that cannot say which documents were stored, Then the whole batch fails
    with pytest.raises(BulkWriteError):
        insert_each({"executions": Unsure({})}, docs(2))  # type: ignore[arg-type]


def test_once_each_runs_each_key_once_and_releases_failed_ones() -> None:
    # Given keys "a" and "b", the work failing "b" the first time
    once = Idempotency(fakeredis.FakeRedis(), ttl_s=60)
    calls: list[list[str]] = []

    def work(keys: list[str]) -> dict[str, Outcome]:
        calls.append(keys)
        failing = len(calls) == 1
        return {k: RuntimeError("down") if k == "b" and failing else {"done": k} for k in keys}

    # When a batch with both (and "a" twice) runs, and then the same batch again
    first = once.once_each("t", ["a", "b", "a"], work)
    second = once.once_each("t", ["a", "b"], work)
    # Then "a" was worked once and answered from its record; "b" failed, then ran again alone
    assert first["a"] == {"done": "a"} and isinstance(first["b"], RuntimeError)
    assert second == {"a": {"done": "a"}, "b": {"done": "b"}}
    assert calls == [["a", "b"], ["b"]]
    # And `once` with the same prefix and key sees the same record (it does not run its work)
    assert once.once("t", "a", lambda: {"done": "again"}) == {"done": "a"}
