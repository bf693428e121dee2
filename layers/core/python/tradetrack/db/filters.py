"""Filters the local store (FerretDB v1) serves without reading a whole collection.

FerretDB v1 pushes a filter down to its SQL only for its equalities; `$in` is applied to what those
bound, after reading it. `_id: {"$in": [...]}` alone therefore reads every document of the
collection (every user's), and a one-element `$in` beside the user reads all of that user's
(docs/local-store.md). So a read of several of a user's documents names the owner beside the
`$in` (`owned_ids`, `owned`), a single value is asked as an equality, and a read with no owner to
name asks one `_id` equality per document (`each_id`). MongoDB serves each of these from the same
index as the plain `$in`. tests/support/query_shapes.py fails a find, update or delete that
filters `_id $in` with no equality key beside it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

Document = dict[str, Any]


def one_of(values: Iterable[Hashable]) -> Any:
    """Match any of `values`: one value as itself (an equality), several as `{"$in": sorted}`."""
    unique: list[Any] = sorted(set(values))
    return unique[0] if len(unique) == 1 else {"$in": unique}


def owned(user_id: str, **keys: Iterable[Hashable]) -> Document:
    """The user's documents whose every key in `keys` is one of its values (`one_of`)."""
    return {"userId": user_id, **{key: one_of(values) for key, values in keys.items()}}


def owned_ids(user_id: str, ids: Iterable[str]) -> Document:
    """The user's documents with these `_id`s."""
    return owned(user_id, _id=ids)


def each_id(ids: Iterable[str]) -> list[Document]:
    """Documents of no one owner (e.g. every user's orders a tick crossed): one `_id` equality
    each, in first-seen order without repeats (FerretDB serves each from its primary key)."""
    return [{"_id": doc_id} for doc_id in dict.fromkeys(ids)]
