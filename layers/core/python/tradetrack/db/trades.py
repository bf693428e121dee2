"""The trades collection: round trips derived from executions, plus the user's annotations.

Derived fields are rewritten by recomputation when they change; notes, tags, strategy and a
category override belong to the user and are never lost by it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import DeleteOne, UpdateOne
from pymongo.database import Database

from tradetrack.db.ledgers import Pair, insert_or_upsert, set_override

Document = dict[str, Any]
TRADES = "trades"
ANNOTATIONS: Document = {"notes": "", "tags": [], "strategy": None, "categoryOverride": None}
# Recomputation sets categoryOverride from the pair's ledger (tradetrack.db.ledgers); the rest of
# the annotations exist on the trade alone and are only ever written on insert.
_ON_INSERT = {key: value for key, value in ANNOTATIONS.items() if key != "categoryOverride"}


def stored_trades(
    db: Database[Document], user_id: str, pairs: Sequence[Pair]
) -> dict[Pair, dict[str, Document]]:
    """The stored trades of each (accountId, instrument) pair by id, read in one query."""
    wanted = set(pairs)
    grouped: dict[Pair, dict[str, Document]] = {pair: {} for pair in wanted}
    if not wanted:
        return grouped
    scope = {
        "userId": user_id,
        "accountId": {"$in": sorted({account for account, _ in wanted})},
        "instrument": {"$in": sorted({instrument for _, instrument in wanted})},
    }
    for doc in db[TRADES].find(scope):
        pair = (doc["accountId"], doc["instrument"])
        if pair in wanted:
            grouped[pair][doc["_id"]] = doc
    return grouped


def write_trades(
    db: Database[Document],
    *,
    new: Sequence[Document] = (),
    changed: Sequence[Document] = (),
    stale: Sequence[str] = (),
) -> None:
    """Store derived trades by `_id` only (all FerretDB v1 pushes down): `new` ones are inserted
    with empty annotations, `changed` ones get their derived fields set (annotations kept), and
    `stale` ones are deleted. A "new" trade that exists after all is updated instead."""

    def upsert(fields: Document) -> UpdateOne:
        return UpdateOne({"_id": fields["_id"]}, {"$set": fields, "$setOnInsert": _ON_INSERT}, upsert=True)

    insert_or_upsert(
        db[TRADES],
        inserts=[{**fields, **_ON_INSERT} for fields in new],
        others=[upsert(fields) for fields in changed] + [DeleteOne({"_id": trade_id}) for trade_id in stale],
        upsert=lambda doc: upsert({key: value for key, value in doc.items() if key not in _ON_INSERT}),
    )


def set_annotations(
    db: Database[Document], user_id: str, trade_id: str, changes: Document
) -> Document | None:
    """Apply the user's changes to their trade; None when it is not theirs (or does not exist).

    A category override also goes to the pair's ledger, which recomputation reads instead of the
    trade: the caller holds the pair's recompute lock (tradetrack.trades.pair_locks)."""
    trade = get_trade(db, user_id, trade_id)
    if trade is None:
        return None
    fields = dict(changes)
    if "categoryOverride" in fields:
        fields["category"] = fields["categoryOverride"] or trade["autoCategory"]
        pair = (trade["accountId"], trade["instrument"])
        set_override(db, user_id, pair, trade_id, fields["categoryOverride"])
    if fields:
        db[TRADES].update_one({"_id": trade_id}, {"$set": fields})
    return trade | fields  # nothing else writes the trade meanwhile: the pair is locked


def get_trade(db: Database[Document], user_id: str, trade_id: str) -> Document | None:
    """The user's trade by id (filtered on `_id` alone, then checked: FerretDB v1 reads the whole
    collection for any other filter)."""
    doc = db[TRADES].find_one({"_id": trade_id})
    return doc if doc is not None and doc.get("userId") == user_id else None


def find_trades(
    db: Database[Document], user_id: str, filters: Document, *, limit: int, after: tuple[datetime, str] | None
) -> list[Document]:
    """Newest opened first; `after` is the (openedAt, _id) of the last trade of the previous page."""
    query: Document = {"userId": user_id, **filters}
    if after is not None:
        opened, trade_id = after
        query["$or"] = [{"openedAt": {"$lt": opened}}, {"openedAt": opened, "_id": {"$lt": trade_id}}]
    return list(db[TRADES].find(query).sort([("openedAt", -1), ("_id", -1)]).limit(limit))


def open_trades(db: Database[Document], user_id: str) -> list[Document]:
    return list(db[TRADES].find({"userId": user_id, "status": "open"}))


def closed_between(db: Database[Document], user_id: str, start: datetime, end: datetime) -> list[Document]:
    """The user's trades closed in [start, end) (the daily summary)."""
    query = {"userId": user_id, "status": "closed", "closedAt": {"$gte": start, "$lt": end}}
    return list(db[TRADES].find(query).sort([("closedAt", 1), ("_id", 1)]))
