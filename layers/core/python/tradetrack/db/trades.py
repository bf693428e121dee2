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

from tradetrack.book import is_paper
from tradetrack.db.daily_pnl import set_open_category
from tradetrack.db.filters import one_of, owned
from tradetrack.db.ledgers import Pair, accounts_of, insert_or_upsert, set_annotation
from tradetrack.trade_notes import FIELDS as ANNOTATION_FIELDS
from tradetrack.trade_notes import meaningful

Document = dict[str, Any]
TRADES = "trades"
# The filter that leaves paper accounts' trades out (tradetrack.book): a derived trade of a paper
# account has `paper: true`, a real one no such field. A residual on every index (`$ne` bounds none).
REAL_BOOK: Document = {"paper": {"$ne": True}}


def stored_trades(
    db: Database[Document], user_id: str, pairs: Sequence[Pair]
) -> dict[Pair, dict[str, Document]]:
    """The stored trades of each (accountId, instrument) pair by id, read in one query."""
    wanted = set(pairs)
    grouped: dict[Pair, dict[str, Document]] = {pair: {} for pair in wanted}
    if not wanted:
        return grouped
    # one value as an equality, not a one-element `$in` (tradetrack.db.filters): FerretDB reads
    # every trade of the user for an `$in` (a paper fill read 30,000 trades for one pair)
    scope = owned(user_id, accountId=(a for a, _ in wanted), instrument=(i for _, i in wanted))
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
    """Store derived trades by `_id` only (all FerretDB v1 pushes down): `new` ones are inserted,
    `changed` ones get their fields set, and `stale` ones are deleted. A "new" trade that exists
    after all is updated instead. Derived documents carry their annotations (tradetrack.annotations
    places them from the pair's ledger), so nothing the user wrote is lost by a rewrite."""

    def upsert(fields: Document) -> UpdateOne:
        return UpdateOne({"_id": fields["_id"]}, {"$set": fields}, upsert=True)

    insert_or_upsert(
        db[TRADES],
        inserts=list(new),
        others=[upsert(fields) for fields in changed] + [DeleteOne({"_id": trade_id}) for trade_id in stale],
        upsert=upsert,
    )


def set_annotations(
    db: Database[Document], user_id: str, trade_id: str, changes: Document
) -> Document | None:
    """Apply the user's changes to their trade; None when it is not theirs (or does not exist).

    The trade's annotation (all four fields, as the trade shows them after the change) goes to the
    pair's ledger under the trade's own anchor, replacing the anchors merged into it, since the
    user edited what the trade showed (tradetrack.annotations). The caller holds the pair's
    recompute lock (tradetrack.trades.pair_locks)."""
    trade = get_trade(db, user_id, trade_id)
    if trade is None:
        return None
    fields = dict(changes)
    if "categoryOverride" in fields:
        fields["category"] = fields["categoryOverride"] or trade["autoCategory"]
    shown = {key: fields.get(key, trade.get(key)) for key in ANNOTATION_FIELDS}
    merged_in = [anchor for anchor in trade.get("anchors") or () if anchor != trade_id]
    pair = (trade["accountId"], trade["instrument"])
    set_annotation(db, user_id, pair, trade_id, meaningful(shown) or None, drop=merged_in)
    if fields:
        db[TRADES].update_one({"_id": trade_id}, {"$set": {**fields, "anchors": [trade_id]}})
    if "category" in fields and fields["category"] != trade.get("category"):
        set_open_category(db, user_id, pair, trade_id, fields["category"])  # what positions read
    return trade | fields  # nothing else writes the trade meanwhile: the pair is locked


def get_trade(db: Database[Document], user_id: str, trade_id: str) -> Document | None:
    """The user's trade by id (filtered on `_id` alone, then checked: FerretDB v1 reads the whole
    collection for any other filter)."""
    doc = db[TRADES].find_one({"_id": trade_id})
    return doc if doc is not None and doc.get("userId") == user_id else None


def find_trades(
    db: Database[Document],
    user_id: str,
    filters: Document,
    *,
    limit: int,
    key: str = "openedAt",
    descending: bool = True,
    after: tuple[Any, str] | None = None,
) -> list[Document]:
    """The user's trades ordered by (key, _id), both descending or both ascending; `after` is the
    (key value, _id) of the last trade of the previous page. The key must not be null on any trade
    the filters let through (the keyset compares values of one type)."""
    query: Document = {"userId": user_id, **filters}
    direction, beyond = (-1, "$lt") if descending else (1, "$gt")
    if after is not None:
        value, trade_id = after
        query["$or"] = [{key: {beyond: value}}, {key: value, "_id": {beyond: trade_id}}]
    return list(db[TRADES].find(query).sort([(key, direction), ("_id", direction)]).limit(limit))


def open_trades(db: Database[Document], user_id: str) -> list[Document]:
    return list(db[TRADES].find({"userId": user_id, "status": "open"}))


def open_instruments(db: Database[Document]) -> set[tuple[str, str]]:
    """(exchange, symbol) of every open trade of any user (the market feed's position symbols):
    distinct values over the (status, exchange, symbol) index, one query per exchange."""
    found: set[tuple[str, str]] = set()
    for exchange in db[TRADES].distinct("exchange", {"status": "open"}):
        symbols = db[TRADES].distinct("symbol", {"status": "open", "exchange": exchange})
        found.update((str(exchange), str(symbol)) for symbol in symbols)
    return found


def mark_paper_trades(db: Database[Document], user_id: str) -> int:
    """Give the user's paper accounts' trades stored without it their `paper: true` (what
    derivation gives them since issue #19; the migration tradetrack.migrations.paper_book): one
    distinct over the accounts of the user's ledgers (every derived trade's pair has one; not the
    trades, a read of each on FerretDB), then one update per paper account by (userId, accountId):
    two equalities FerretDB pushes down (an `$in` of accounts made it decode every one of the user's
    trades, past the socket timeout at 30,000 of them). Returns how many changed."""
    paper = [account for account in accounts_of(db, user_id) if is_paper(account)]
    return sum(
        db[TRADES]
        .update_many(owned(user_id, accountId=[account]) | REAL_BOOK, {"$set": {"paper": True}})
        .modified_count
        for account in paper
    )


def closed_between(db: Database[Document], user_id: str, start: datetime, end: datetime) -> list[Document]:
    """The user's real accounts' trades closed in [start, end) (the daily summary, the monthly
    statement): paper accounts' are not among them."""
    query = {"userId": user_id, "status": "closed", "closedAt": {"$gte": start, "$lt": end}, **REAL_BOOK}
    return list(db[TRADES].find(query).sort([("closedAt", 1), ("_id", 1)]))


def open_trades_of_users(db: Database[Document], user_ids: Sequence[str]) -> dict[str, list[Document]]:
    """Each of these users' open trades: one query (status an equality beside the users)."""
    found: dict[str, list[Document]] = {}
    if user_ids:
        for doc in db[TRADES].find({"userId": one_of(user_ids), "status": "open"}):
            found.setdefault(str(doc["userId"]), []).append(doc)
    return found
