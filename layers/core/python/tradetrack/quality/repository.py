"""The data_quality collection: one document per (user, account, instrument) that has issues.

Written by recomputation (tradetrack.trades) only when a pair's issues change, by `_id`: inserted
for a pair whose ledger is not stored yet (its first recomputation; an index lookup even on
FerretDB, where an upsert is a query first), replaced otherwise; read by GET /v1/data-quality
through the (userId, instrument) index.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pymongo import DeleteOne, ReplaceOne
from pymongo.database import Database

from tradetrack.db.filters import owned_ids
from tradetrack.db.ledgers import insert_or_upsert, ledger_id

if TYPE_CHECKING:
    from tradetrack.db.ledgers import Ledger

Document = dict[str, Any]
DATA_QUALITY = "data_quality"


def issue_id(ledger_id: str) -> str:
    return "dq_" + ledger_id.removeprefix("led_")


def _replace(doc: Document) -> ReplaceOne[Document]:
    return ReplaceOne({"_id": doc["_id"]}, doc, upsert=True)


def write_issues(db: Database[Document], ledgers: Sequence[Ledger], *, stored: Collection[str]) -> None:
    """Store (or clear) the issues of these pairs. Those whose ledger is not among `stored` (ledger
    ids) have no issues document as far as the caller knows: theirs is inserted (one found there
    after all, e.g. left by a recomputation that stopped before its ledger, is replaced then)."""
    now = datetime.now(UTC)
    inserts: list[Document] = []
    ops: list[Any] = []
    for ledger in ledgers:
        if not ledger.issues:
            ops.append(DeleteOne({"_id": issue_id(ledger.id)}))
            continue
        doc = {
            "_id": issue_id(ledger.id),
            "userId": ledger.user_id,
            "accountId": ledger.account_id,
            "instrument": ledger.instrument,
            "symbol": ledger.header.get("symbol"),
            "segment": ledger.header.get("segment"),
            **ledger.issues,
            "updatedAt": now,
        }
        if ledger.id in stored:
            ops.append(_replace(doc))
        else:
            inserts.append(doc)
    insert_or_upsert(db[DATA_QUALITY], inserts=inserts, others=ops, upsert=_replace)


def issues_of_pairs(db: Database[Document], user_id: str, pairs: Sequence[tuple[str, str]]) -> list[Document]:
    """The issues of these (accountId, instrument) pairs, read by `_id`."""
    ids = sorted({issue_id(ledger_id(user_id, *pair)) for pair in pairs})
    return list(db[DATA_QUALITY].find(owned_ids(user_id, ids))) if ids else []


def issues_of(db: Database[Document], user_id: str) -> list[Document]:
    return list(db[DATA_QUALITY].find({"userId": user_id}).sort([("instrument", 1), ("_id", 1)]))
