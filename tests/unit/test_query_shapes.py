"""The query-shape checker: which filters an index serves by MongoDB's prefix rules (ESR)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from tests.support.query_shapes import ID_IN_REASON, Shape, _shapes_of, analyse, judge, serve

USER_TIME = [("userId", 1), ("executedAt", -1), ("_id", -1)]


def _shape(collection: str, eq: tuple[str, ...], rng: tuple[str, ...] = (), sort=(), origin="x.y") -> Shape:  # type: ignore[no-untyped-def]
    return Shape(collection, "find", eq, rng, tuple(sort), (), origin)


def test_equality_range_and_or_are_told_apart() -> None:
    # Given a filter with equality, $in, a bounded range, a residual $ne and an $or of two keys
    query = {
        "userId": "u",
        "status": {"$in": ["open", "closed"]},
        "executedAt": {"$gte": 1, "$lt": 2},
        "symbol": {"$ne": "X"},
        "$or": [{"accountId": "a"}, {"source": "csv"}],
    }
    # When it is analysed
    branches = analyse(query)
    # Then each $or branch is its own scan; $ne bounds nothing
    assert branches == [
        ({"userId", "status", "accountId"}, {"executedAt"}),
        ({"userId", "status", "source"}, {"executedAt"}),
    ]


def test_an_index_serves_equality_then_sort_then_range() -> None:
    # Given the executions' newest-first index
    # When a user's page sorted newest first with a time range is checked
    ok, residual = serve(USER_TIME, {"userId"}, {"executedAt"}, [("executedAt", -1), ("_id", -1)])
    # Then it is served with nothing left over, and the reverse direction is served too
    assert (ok, residual) == (True, set())
    assert serve(USER_TIME, {"userId"}, set(), [("executedAt", 1), ("_id", 1)]) == (True, set())


def test_a_sort_the_index_cannot_deliver_is_not_served() -> None:
    # Given a sort with a mixed direction, and a sort on a key the index lacks
    mixed = serve(USER_TIME, {"userId"}, set(), [("executedAt", -1), ("_id", 1)])
    missing = serve(USER_TIME, {"userId"}, set(), [("symbol", 1)])
    # Then neither is served (an in-memory sort of the user's documents)
    assert mixed == (False, set())
    assert missing == (False, set())


def test_keys_outside_the_prefix_are_a_residual_filter() -> None:
    # Given equality on userId and symbol, and an index on userId and time only
    ok, residual = serve(USER_TIME, {"userId", "symbol"}, set(), [("executedAt", -1)])
    # Then the index serves it and symbol is filtered after the index scan
    assert ok
    assert residual == {"symbol"}


def test_an_index_whose_first_key_the_query_lacks_is_no_help() -> None:
    assert serve(USER_TIME, {"accountId"}, set(), []) == (False, set())


@pytest.mark.parametrize(
    ("shape", "served_by"),
    [
        (_shape("executions", ("userId",), sort=[("executedAt", -1), ("_id", -1)]), "by_user_newest"),
        (_shape("executions", ("_id", "userId")), "_id_"),
        (_shape("executions", ("accountId", "instrument", "userId"), ("executedAt",)), "by_instrument"),
    ],
)
def test_declared_indexes_serve_the_product_shapes(shape: Shape, served_by: str) -> None:
    verdict = judge(shape)
    assert verdict.ok
    assert verdict.index == served_by


def test_an_unindexed_shape_fails_unless_listed_as_an_allowed_scan() -> None:
    # Given a query on a key no executions index starts with
    unlisted = judge(_shape("executions", ("broker",)))
    listed = judge(_shape("executions", (), origin="rebuild_ledgers.main"))
    # Then it fails, while the repair script's listed scan passes with its reason
    assert not unlisted.ok
    assert listed.ok
    assert "repair script" in listed.reason


def _judged(
    name: str, query: Mapping[str, Any], origin: str = "tradetrack.db.x.read"
) -> list[tuple[bool, str]]:
    """The verdicts of a command's filter as the recorder sees it on the wire."""
    part: dict[str, dict[str, Any]] = {
        "find": {"filter": query},
        "update": {"updates": [{"q": query}]},
        "delete": {"deletes": [{"q": query}]},
    }
    shapes = _shapes_of(name, "ledgers", {name: "ledgers", **part[name]}, origin)
    return [(verdict.ok, verdict.reason) for verdict in map(judge, shapes)]


@pytest.mark.parametrize("command", ["find", "update", "delete"])
def test_id_in_without_an_equality_fails(command: str) -> None:
    # Given `_id $in` alone, or beside keys that are themselves only `$in` (FerretDB v1 pushes
    # neither down: it reads the whole collection)
    alone = {"_id": {"$in": ["a", "b"]}}
    beside_in = {"_id": {"$in": ["a", "b"]}, "userId": {"$in": ["u1", "u2"]}}
    # When the recorder judges them, Then both fail and say why
    assert _judged(command, alone) == [(False, ID_IN_REASON)]
    assert _judged(command, beside_in) == [(False, ID_IN_REASON)]


def test_id_in_beside_an_equality_or_one_id_is_served() -> None:
    # Given the owner beside the `$in` (tradetrack.db.filters.owned_ids), a single `_id`, and a
    # `$in` on another key beside an `_id` equality
    owned = {"userId": "u1", "_id": {"$in": ["a", "b"]}}
    one = {"_id": "a"}
    state = {"_id": "a", "state": {"$in": ["open", "partial"]}}
    # Then each is served by the `_id` index
    for query in (owned, one, state):
        assert _judged("find", query) == [(True, "")]


def test_id_in_from_a_listed_module_passes_with_its_reason() -> None:
    # Given `_id $in` alone sent from a module ID_IN_LEFT lists for that collection (any function)
    verdicts = _judged("delete", {"_id": {"$in": ["a"]}}, origin="tradetrack.migrations.identity.<listcomp>")
    # Then it passes with the listed reason; another module's same filter still fails
    assert verdicts == [(True, "the one-off identity migration's deletes")]
    assert _judged("delete", {"_id": {"$in": ["a"]}}, origin="tradetrack.db.ledgers.f") == [
        (False, ID_IN_REASON)
    ]


def test_an_or_branch_by_id_in_alone_fails() -> None:
    # Given an $or whose first branch is `_id $in` alone and whose second is by user
    query = {"$or": [{"_id": {"$in": ["a", "b"]}}, {"userId": "u1"}]}
    # Then the first branch's scan fails and the second is served
    assert sorted(_judged("find", query)) == [(False, ID_IN_REASON), (True, "")]
