"""The ledgers collection: per (userId, accountId, instrument), what FIFO needs to re-derive the trades.

A ledger caches the pair's executions (compact fills), the ids of the trades stored for it and
their category overrides, so that recomputing the pair reads and writes by `_id` alone, the only
filter FerretDB v1 pushes down. It is written only by tradetrack.trades under the pair's lock; a
rebuild (recompute without facts) rewrites it from the executions and trades collections.

Fills are packed (zlib-compressed JSON rows): FerretDB v1 evaluates even an `_id` filter by reading
the table's rows in SQLite, so its cost grows with the collection's bytes, and an array of
sub-documents is several times larger there than the packed form.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import Binary
from pymongo import InsertOne, ReplaceOne
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from tradetrack.db.bulk import write_in_commands
from tradetrack.db.filters import owned_ids

Document = dict[str, Any]
Pair = tuple[str, str]  # (accountId, instrument)
LEDGERS = "ledgers"
# Bumped whenever the packing or the trade derivation changes: a ledger of another version is not
# trusted, so its pair takes the scan path once and gets a current ledger.
LEDGER_VERSION = 2
# Above this many fills the ledger is stored without them (`overflow`) and the pair is always
# recomputed from the executions collection: documents stay far below Mongo's 16 MB.
MAX_FILLS = 20_000
HEADER = ("symbol", "exchange", "segment")
_ROW = (
    "_id",
    "side",
    "quantity",
    "price",
    "fees",
    "executedAt",
    "product",
    "source",
    "externalId",
    "symbol",
    "isin",
    "feesGiven",
    "snapshot",
    "cost",
    "longTerm",
    "multiplier",
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
_DUPLICATE_KEY = 11000


def ledger_id(user_id: str, account_id: str, instrument: str) -> str:
    digest = hashlib.sha256(f"{user_id}\x1f{account_id}\x1f{instrument}".encode()).hexdigest()
    return f"led_{digest[:24]}"


def _millis(moment: datetime) -> int:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return (aware - _EPOCH) // _MS


def fill_of(execution: Document) -> Document:
    """The fields FIFO reads of an execution, executedAt truncated to the millisecond as BSON
    stores it: a fact fresh from the caller and the same execution read back must be equal."""
    fill = {key: execution.get(key) for key in _ROW}
    if fill["feesGiven"] is None:  # executions from before `feesGiven`: fees of 0 meant "none given"
        fill["feesGiven"] = int(execution["fees"]) > 0
    fill["quantity"], fill["price"], fill["fees"] = (int(execution[k]) for k in ("quantity", "price", "fees"))
    fill["executedAt"] = _EPOCH + _millis(execution["executedAt"]) * _MS
    return fill


def _pack(fills: Iterable[Document]) -> bytes:
    rows = [
        [fill[key] if key != "executedAt" else _millis(fill[key]) for key in _ROW]
        for fill in sorted(fills, key=lambda f: str(f["_id"]))
    ]
    return zlib.compress(json.dumps(rows, separators=(",", ":")).encode(), 1)


def _unpack(blob: bytes) -> dict[str, Document]:
    fills: dict[str, Document] = {}
    for row in json.loads(zlib.decompress(blob)):
        fill = dict(zip(_ROW, row, strict=True))
        fill["executedAt"] = _EPOCH + fill["executedAt"] * _MS
        fills[fill["_id"]] = fill
    return fills


@dataclass
class Ledger:
    user_id: str
    account_id: str
    instrument: str
    header: Document = field(default_factory=dict)  # symbol, exchange, segment (once a fill is known)
    fills: dict[str, Document] = field(default_factory=dict)  # by execution id
    trade_ids: list[str] = field(default_factory=list)
    # The user's annotations by anchor (the id of the trade they were made on): tradetrack.annotations
    annotations: dict[str, Document] = field(default_factory=dict)
    # What the last recomputation found wrong with the data (tradetrack.quality): unmatched exits, ...
    issues: Document = field(default_factory=dict)
    # False when `fills` may not be every execution of the pair (overflow, another version):
    # the pair must then be read from the executions collection.
    complete: bool = True

    @property
    def id(self) -> str:
        return ledger_id(self.user_id, self.account_id, self.instrument)

    @property
    def pair(self) -> Pair:
        return (self.account_id, self.instrument)

    @classmethod
    def of_executions(cls, user_id: str, pair: Pair, executions: Sequence[Document]) -> Ledger:
        """The ledger of a pair from all of its stored executions (the header from the first, as
        derive_trades takes it)."""
        ledger = cls(user_id, *pair)
        ledger.merge(executions, ())
        return ledger

    def merge(self, facts: Iterable[Document], removed: Iterable[str]) -> None:
        """Add executions that exist (one already known keeps its stored form), drop deleted ones."""
        for fact in facts:
            if not self.header:
                self.header = {key: fact.get(key) for key in HEADER}
            self.fills.setdefault(fact["_id"], fill_of(fact))
        for execution_id in removed:
            self.fills.pop(execution_id, None)

    def executions(self) -> list[Document]:
        """The fills as the execution documents derive_trades reads, in a stable order."""
        base: Document = {"userId": self.user_id, "accountId": self.account_id, "instrument": self.instrument}
        base |= {key: self.header.get(key) for key in HEADER}
        return [
            base | {k: v for k, v in self.fills[key].items() if v is not None} for key in sorted(self.fills)
        ]

    @property
    def open_quantity(self) -> int | None:
        """Signed units held (bought minus sold); None when the fills are not all known here."""
        if not self.complete:
            return None
        return sum(int(f["quantity"]) * (1 if f["side"] == "BUY" else -1) for f in self.fills.values())

    def document(self, *, now: datetime) -> Document:
        overflow = len(self.fills) > MAX_FILLS
        return {
            "_id": self.id,
            "userId": self.user_id,
            "accountId": self.account_id,
            "instrument": self.instrument,
            **{key: self.header.get(key) for key in HEADER},
            "version": LEDGER_VERSION,
            "overflow": overflow,
            "fillCount": len(self.fills),
            "fills": None if overflow else Binary(_pack(self.fills.values())),
            # An overflowing pair is recomputed from the trades collection, annotations included.
            "tradeIds": [] if overflow else list(self.trade_ids),
            "annotations": dict(self.annotations),  # kept on overflow too: orphans live only here
            "issues": dict(self.issues),
            "updatedAt": now,
        }

    @classmethod
    def from_document(cls, doc: Document) -> Ledger:
        complete = doc.get("version") == LEDGER_VERSION and not doc.get("overflow")
        return cls(
            doc["userId"],
            doc["accountId"],
            doc["instrument"],
            header={key: doc.get(key) for key in HEADER} if doc.get("symbol") is not None else {},
            fills=_unpack(doc["fills"]) if complete and doc.get("fills") else {},
            trade_ids=list(doc.get("tradeIds") or []),
            annotations=dict(doc.get("annotations") or {}),
            issues=dict(doc.get("issues") or {}),
            complete=complete,
        )


def read_ledger(db: Database[Document], user_id: str, pair: Pair) -> Ledger | None:
    """The pair's ledger, None when it has none (unknown, or no execution yet: the caller knows)."""
    doc = db[LEDGERS].find_one({"_id": ledger_id(user_id, *pair)})
    return None if doc is None else _trusted(doc, user_id, pair)


def read_each_ledger(db: Database[Document], user_id: str, pairs: Sequence[Pair]) -> dict[Pair, Ledger]:
    """`read_ledger` for many pairs in one query by `_id`: the pairs that have a ledger."""
    ids = {ledger_id(user_id, *pair): pair for pair in pairs}
    if not ids:
        return {}
    docs = db[LEDGERS].find(owned_ids(user_id, ids))
    return {ids[doc["_id"]]: _trusted(doc, user_id, ids[doc["_id"]]) for doc in docs}


def accounts_of(db: Database[Document], user_id: str) -> list[str]:
    """The accounts the user has ledgers in (one per account and instrument: a few hundred documents
    at most, index by_user), e.g. to find their paper accounts without reading every trade."""
    return sorted(str(account) for account in db[LEDGERS].distinct("accountId", {"userId": user_id}))


def _trusted(doc: Document, user_id: str, pair: Pair) -> Ledger:
    ledger = Ledger.from_document(doc)
    if (ledger.user_id, ledger.pair) != (user_id, pair):  # a digest collision: never trust it
        ledger.complete, ledger.fills = False, {}
    return ledger


def read_ledgers(db: Database[Document], user_id: str, pairs: Sequence[Pair]) -> dict[Pair, Ledger]:
    """The stored ledgers of these pairs (one query by `_id`), trusted or not."""
    ids = {ledger_id(user_id, *pair): pair for pair in pairs}
    found: dict[Pair, Ledger] = {}
    for doc in db[LEDGERS].find(owned_ids(user_id, ids)):
        ledger = Ledger.from_document(doc)
        if (ledger.user_id, ledger.pair) == (user_id, ids[doc["_id"]]):
            found[ledger.pair] = ledger
    return found


def write_ledgers(
    db: Database[Document], ledgers: Sequence[Ledger], *, stored: set[str], now: datetime
) -> None:
    """Store the ledgers: replaced by `_id` where one is `stored`, else inserted (an insert is an
    index lookup even on FerretDB; replacing a ledger that appeared meanwhile is the fallback)."""
    docs = [ledger.document(now=now) for ledger in ledgers]
    insert_or_upsert(
        db[LEDGERS],
        inserts=[doc for doc in docs if doc["_id"] not in stored],
        others=[ReplaceOne({"_id": doc["_id"]}, doc, upsert=True) for doc in docs if doc["_id"] in stored],
        upsert=lambda doc: ReplaceOne({"_id": doc["_id"]}, doc, upsert=True),
    )


def set_annotation(
    db: Database[Document],
    user_id: str,
    pair: Pair,
    anchor: str,
    fields: Document | None,
    *,
    drop: Sequence[str] = (),
) -> None:
    """Record the user's annotation of the trade `anchor` in its pair's ledger (None: forget it),
    dropping the anchors in `drop` (merged into this one by the user's edit), so that a recompute
    reading the ledger keeps it. The caller holds the pair's recompute lock. A pair without a
    complete ledger is recomputed from the trades collection, which has the annotations."""
    ledger = read_ledger(db, user_id, pair)
    if ledger is None or not ledger.complete:
        return
    annotations = {
        key: value for key, value in ledger.annotations.items() if key != anchor and key not in drop
    }
    if fields:
        annotations[anchor] = fields
    if annotations != ledger.annotations:
        db[LEDGERS].update_one({"_id": ledger.id}, {"$set": {"annotations": annotations}})


def insert_or_upsert(
    collection: Collection[Document],
    *,
    inserts: Sequence[Document],
    others: Sequence[Any] = (),
    upsert: Callable[[Document], Any],
) -> None:
    """One unordered bulk write of `inserts` and `others` (tradetrack.db.bulk: the inserts in one
    command); an insert that meets an existing `_id` (a write the caller did not know of, e.g.
    after a crash) is redone as `upsert(document)`."""
    ops: list[Any] = [InsertOne(doc) for doc in inserts] + list(others)
    if not ops:
        return
    try:
        write_in_commands(collection, ops)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(e.get("code") != _DUPLICATE_KEY or int(e["index"]) >= len(inserts) for e in errors):
            raise
        write_in_commands(collection, [upsert(inserts[int(e["index"])]) for e in errors])
