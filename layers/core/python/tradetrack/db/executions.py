"""The executions collection: immutable fills, unique on (userId, accountId, source, externalId)."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pymongo.database import Database
from pymongo.errors import BulkWriteError

from tradetrack.models.executions import ExecutionIn, ExecutionOut, Source
from tradetrack.money import money_str, to_scaled
from tradetrack.timeutil import as_utc

Document = dict[str, Any]
EXECUTIONS = "executions"
_DUPLICATE_KEY = 11000


def execution_id(user_id: str, account_id: str, source: str, external_id: str) -> str:
    """Deterministic, so the same fill arriving twice is the same document."""
    digest = hashlib.sha256(f"{user_id}\x1f{account_id}\x1f{source}\x1f{external_id}".encode()).hexdigest()
    return f"exe_{digest[:24]}"


def to_document(user_id: str, source: Source, item: ExecutionIn, *, now: datetime | None = None) -> Document:
    external_id = item.external_id or f"man_{uuid.uuid4().hex}"
    return {
        "_id": execution_id(user_id, item.account_id, source, external_id),
        "userId": user_id,
        "accountId": item.account_id,
        "source": source,
        "externalId": external_id,
        "symbol": item.symbol,
        "exchange": item.exchange,
        "segment": item.effective_segment,
        "instrument": item.instrument,
        "side": item.side,
        "quantity": item.quantity,
        "price": to_scaled(item.price),
        "fees": to_scaled(item.fees if item.fees is not None else Decimal(0)),
        "feesGiven": item.fees is not None,
        "executedAt": as_utc(item.executed_at),
        "tradeDate": item.trade_date.isoformat(),
        "product": item.product,
        "orderId": item.order_id,
        "isin": item.isin,
        "multiplier": item.multiplier or 1,
        "createdAt": now or datetime.now(UTC),
    }


@dataclass
class InsertReport:
    inserted: list[Document] = field(default_factory=list)
    duplicates: int = 0
    failed: dict[int, str] = field(default_factory=dict)  # index → error (insert_each only)

    @property
    def touched(self) -> set[tuple[str, str]]:
        """(accountId, instrument) pairs whose trades must be recomputed."""
        return {(doc["accountId"], doc["instrument"]) for doc in self.inserted}


def insert_executions(db: Database[Document], documents: Sequence[Document]) -> InsertReport:
    """Insert what is new; a fill already stored (same identity) counts as a duplicate, not an error."""
    report = InsertReport()
    if not documents:
        return report
    failed: set[int] = set()
    try:
        db[EXECUTIONS].insert_many(list(documents), ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        other = [e for e in errors if e.get("code") != _DUPLICATE_KEY]
        if other:
            raise
        failed = {int(e["index"]) for e in errors}
    report.inserted = [doc for i, doc in enumerate(documents) if i not in failed]
    report.duplicates = len(failed)
    return report


def insert_each(db: Database[Document], documents: Sequence[Document]) -> InsertReport:
    """One insert_many (ordered=False) for all of them: a fill already stored (same identity) counts
    as a duplicate; any other failure is reported by index in `failed` (their callers retry them),
    never dropped: the documents not listed there are stored."""
    report = InsertReport()
    if not documents:
        return report
    errors: list[Document] = []
    try:
        db[EXECUTIONS].insert_many(list(documents), ordered=False)
    except BulkWriteError as exc:
        errors = list(exc.details.get("writeErrors", []))
        if not errors:  # a write concern error: nothing says which were stored
            raise
    duplicates = {int(e["index"]) for e in errors if e.get("code") == _DUPLICATE_KEY}
    report.failed = {
        int(e["index"]): f"{e.get('code')}: {e.get('errmsg', '')}"
        for e in errors
        if int(e["index"]) not in duplicates
    }
    report.inserted = [
        doc for i, doc in enumerate(documents) if i not in duplicates and i not in report.failed
    ]
    report.duplicates = len(duplicates)
    return report


def executions_of_instruments(
    db: Database[Document], user_id: str, pairs: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], list[Document]]:
    """The executions of each (accountId, instrument) pair, read in one query.

    One query, not one per instrument: FerretDB v1 pushes no filter but `_id` down to its
    backend, so every query there reads the whole collection.
    """
    if not pairs:
        return {}
    wanted = set(pairs)
    query = {
        "userId": user_id,
        "accountId": {"$in": sorted({account for account, _ in wanted})},
        "instrument": {"$in": sorted({instrument for _, instrument in wanted})},
    }
    grouped: dict[tuple[str, str], list[Document]] = {pair: [] for pair in wanted}
    for doc in db[EXECUTIONS].find(query):
        pair = (doc["accountId"], doc["instrument"])
        if pair in wanted:
            grouped[pair].append(doc)
    return grouped


def fees_given(doc: Document) -> bool:
    """Whether the fill's fees were given. Documents stored before `feesGiven` existed held 0 for
    "not given", so there a non-zero fee is the only sign of a given one."""
    given = doc.get("feesGiven")
    return bool(doc["fees"]) if given is None else bool(given)


def to_execution_out(doc: Document) -> ExecutionOut:
    return ExecutionOut(
        execution_id=doc["_id"],
        account_id=doc["accountId"],
        source=doc["source"],
        external_id=doc["externalId"],
        symbol=doc["symbol"],
        exchange=doc["exchange"],
        segment=doc["segment"],
        side=doc["side"],
        quantity=doc["quantity"],
        price=money_str(doc["price"]),
        fees=money_str(doc["fees"]),
        fees_given=fees_given(doc),
        executed_at=doc["executedAt"],
        product=doc.get("product"),
        isin=doc.get("isin"),
    )


def find_executions(
    db: Database[Document], user_id: str, filters: Document, *, limit: int, after: tuple[datetime, str] | None
) -> list[Document]:
    """Newest first; `after` is the (executedAt, _id) of the last execution of the previous page."""
    query: Document = {"userId": user_id, **filters}
    if after is not None:
        executed, exec_id = after
        query["$or"] = [{"executedAt": {"$lt": executed}}, {"executedAt": executed, "_id": {"$lt": exec_id}}]
    return list(db[EXECUTIONS].find(query).sort([("executedAt", -1), ("_id", -1)]).limit(limit))


def get_execution(db: Database[Document], user_id: str, exec_id: str) -> Document | None:
    # By `_id` alone, the owner checked here: FerretDB v1 pushes down only an exact `_id` filter.
    doc = db[EXECUTIONS].find_one({"_id": exec_id})
    return doc if doc is not None and doc.get("userId") == user_id else None


def delete_execution(db: Database[Document], user_id: str, exec_id: str, *, source: str) -> bool:
    """Delete the user's execution if it has `source`; False when nothing matched. An execution's
    owner and source never change, so checking them on the read and deleting by `_id` is safe."""
    doc = get_execution(db, user_id, exec_id)
    if doc is None or doc.get("source") != source:
        return False
    return db[EXECUTIONS].delete_one({"_id": exec_id}).deleted_count == 1


def holders_of(db: Database[Document], instrument: str) -> dict[str, set[str]]:
    """{userId: accountIds} of every user with fills of `instrument` (the instrument index)."""
    holders: dict[str, set[str]] = {}
    for doc in db[EXECUTIONS].find({"instrument": instrument}, {"userId": 1, "accountId": 1}):
        holders.setdefault(doc["userId"], set()).add(doc["accountId"])
    return holders


def rekey_instrument(db: Database[Document], old: str, new: str) -> int:
    """Move every fill of instrument `old` to `new` (an identity that changed); the number moved."""
    return int(db[EXECUTIONS].update_many({"instrument": old}, {"$set": {"instrument": new}}).modified_count)


def pairs_with_prefix(db: Database[Document], user_id: str, prefix: str) -> set[tuple[str, str]]:
    """The user's (accountId, instrument) pairs whose instrument starts with `prefix` (served by
    the (userId, instrument) index: an anchored prefix)."""
    query = {"userId": user_id, "instrument": {"$regex": f"^{re.escape(prefix)}"}}
    return {
        (doc["accountId"], doc["instrument"])
        for doc in db[EXECUTIONS].find(query, {"accountId": 1, "instrument": 1})
    }


def executions_by_id(db: Database[Document], ids: Sequence[str]) -> dict[str, Document]:
    """The executions with these `_id`s, whoever owns them (the caller checks), by `_id`."""
    if not ids:
        return {}
    return {doc["_id"]: doc for doc in db[EXECUTIONS].find({"_id": {"$in": sorted(set(ids))}})}


def delete_executions(db: Database[Document], ids: Sequence[str], *, source: str) -> None:
    """Delete these executions of `source` by `_id` (the caller read them and checked their owner)."""
    if ids:
        db[EXECUTIONS].delete_many({"_id": {"$in": sorted(set(ids))}, "source": source})


def latest_symbol_of_isin(db: Database[Document], user_id: str, isin: str) -> str | None:
    """The symbol the user's latest fill of this ISIN carries, if any."""
    found = list(
        db[EXECUTIONS]
        .find({"userId": user_id, "isin": isin}, {"symbol": 1})
        .sort([("executedAt", -1), ("_id", -1)])
        .limit(1)
    )
    return str(found[0]["symbol"]) if found else None


def instruments_of_user(db: Database[Document], user_id: str) -> list[str]:
    """Every instrument the user has fills of, sorted."""
    return sorted(str(key) for key in db[EXECUTIONS].distinct("instrument", {"userId": user_id}))


def holder_pairs(
    db: Database[Document], instruments: Sequence[str], *, user_id: str | None = None
) -> dict[str, set[tuple[str, str]]]:
    """{userId: (accountId, instrument) pairs} of the users with fills of these instruments (of
    `user_id` only, if given), read through the (instrument, userId) index."""
    query: Document = {"instrument": {"$in": list(instruments)}}
    if user_id is not None:
        query["userId"] = user_id
    holders: dict[str, set[tuple[str, str]]] = {}
    for doc in db[EXECUTIONS].find(query, {"userId": 1, "accountId": 1, "instrument": 1}):
        holders.setdefault(doc["userId"], set()).add((doc["accountId"], doc["instrument"]))
    return holders
