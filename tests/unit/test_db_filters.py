"""The filters FerretDB v1 serves without reading a whole collection (tradetrack.db.filters)."""

from __future__ import annotations

from tradetrack.db.filters import each_id, one_of, owned, owned_ids


def test_one_value_is_an_equality_and_several_a_sorted_in() -> None:
    # Given one value (repeated), and several out of order
    # Then one is asked as itself, several as a sorted `$in` without repeats
    assert one_of(["acc_1", "acc_1"]) == "acc_1"
    assert one_of(["acc_2", "acc_1", "acc_2"]) == {"$in": ["acc_1", "acc_2"]}


def test_a_users_documents_always_name_the_owner() -> None:
    # Given a user's ids and pairs
    # Then the filter names the owner beside the ids (an equality for one)
    assert owned_ids("usr_1", iter(["b", "a"])) == {"userId": "usr_1", "_id": {"$in": ["a", "b"]}}
    assert owned_ids("usr_1", ["a"]) == {"userId": "usr_1", "_id": "a"}
    assert owned("usr_1", accountId=["acc_1"], instrument=["NSE:B", "NSE:A"]) == {
        "userId": "usr_1",
        "accountId": "acc_1",
        "instrument": {"$in": ["NSE:A", "NSE:B"]},
    }


def test_documents_of_no_one_owner_are_asked_one_id_each() -> None:
    assert each_id(["o2", "o1", "o2"]) == [{"_id": "o2"}, {"_id": "o1"}]
