"""Which ISIN a symbol is, and which ISIN an old ISIN became: the instrument_aliases collection.

Equities are keyed by ISIN (tradetrack.instruments.keys). Tradebooks and holdings files carry the
ISIN; Kite's trades and manual entries carry only a symbol. Every fill that comes with an ISIN
teaches the platform `EQ:<base symbol> → ISIN` (public knowledge, shared by all users), and a
fill without one is given the ISIN its symbol is known by. Corporate actions that change an ISIN
(a face-value split, a rename) record `ISIN:<old> → <new>`, followed at ingestion so one holding
stays one instrument. Only this module names the collection; reads and writes are by `_id`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.database import Database

from tradetrack.db.bulk import write_in_commands
from tradetrack.instruments.symbols import base_symbol
from tradetrack.models.executions import ExecutionIn

Document = dict[str, Any]
INSTRUMENT_ALIASES = "instrument_aliases"
_MAX_LINKS = 16  # an ISIN changed more often than this is a cycle in the data


def symbol_alias_id(symbol: str) -> str:
    return f"EQ:{base_symbol(symbol)}"


def isin_link_id(isin: str) -> str:
    return f"ISIN:{isin}"


def learn(db: Database[Document], items: Iterable[ExecutionIn]) -> None:
    """Record the symbol → ISIN of every equity item that carries one (latest wins)."""
    known: dict[str, Document] = {}
    for item in items:
        if item.isin and item.effective_segment == "EQ":
            known[symbol_alias_id(item.symbol)] = {"isin": item.isin, "symbol": base_symbol(item.symbol)}
    if known:
        # Only what is new or changed is written (one read by `_id` first): a big import teaches
        # the same aliases batch after batch, and FerretDB v1 writes each update on its own.
        stored = db[INSTRUMENT_ALIASES].find({"_id": {"$in": sorted(known)}}, {"isin": 1, "symbol": 1})
        for doc in stored:
            if known.get(doc["_id"]) == {"isin": doc.get("isin"), "symbol": doc.get("symbol")}:
                del known[doc["_id"]]
    if known:
        now = datetime.now(UTC)
        ops = [
            UpdateOne({"_id": key}, {"$set": {**value, "updatedAt": now}}, upsert=True)
            for key, value in known.items()
        ]
        write_in_commands(db[INSTRUMENT_ALIASES], ops)


def link_isin(db: Database[Document], old: str, new: str) -> None:
    """`old` became `new` (a corporate action): fills under `old` belong to `new`'s instrument."""
    if old != new:
        db[INSTRUMENT_ALIASES].update_one(
            {"_id": isin_link_id(old)}, {"$set": {"isin": new, "updatedAt": datetime.now(UTC)}}, upsert=True
        )


def _lookup(db: Database[Document], ids: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {doc["_id"]: doc["isin"] for doc in db[INSTRUMENT_ALIASES].find({"_id": {"$in": wanted}})}


def current_isins(db: Database[Document], isins: Iterable[str]) -> dict[str, str]:
    """Each ISIN's current ISIN (itself when it never changed)."""
    current = {isin: isin for isin in isins}
    pending = set(current)
    for _ in range(_MAX_LINKS):
        links = _lookup(db, (isin_link_id(current[isin]) for isin in pending))
        pending = {isin for isin in pending if isin_link_id(current[isin]) in links}
        if not pending:
            break
        for isin in pending:
            current[isin] = links[isin_link_id(current[isin])]
    return current


def with_isins(db: Database[Document], items: Sequence[ExecutionIn]) -> list[ExecutionIn]:
    """The items with their equity ISINs filled in and brought up to date (two reads by `_id`)."""
    learn(db, items)
    equity = [item for item in items if item.effective_segment == "EQ"]
    by_symbol = _lookup(db, (symbol_alias_id(item.symbol) for item in equity if not item.isin))
    isins = {item.isin or by_symbol.get(symbol_alias_id(item.symbol)) for item in equity}
    current = current_isins(db, (isin for isin in isins if isin))
    resolved: list[ExecutionIn] = []
    for item in items:
        isin = item.isin
        if item.effective_segment == "EQ":
            isin = current.get(isin or by_symbol.get(symbol_alias_id(item.symbol), ""), isin)
        resolved.append(item if isin == item.isin else item.model_copy(update={"isin": isin}))
    return resolved


def instruments_of(db: Database[Document], symbols: Sequence[tuple[str, str, str]]) -> list[str]:
    """The instrument keys of (exchange, segment, symbol) without an ISIN (broker positions), as
    their fills are keyed: two reads by `_id` for all of them."""
    from tradetrack.instruments.keys import instrument_key

    by_symbol = _lookup(db, (symbol_alias_id(symbol) for _, segment, symbol in symbols if segment == "EQ"))
    current = current_isins(db, by_symbol.values())
    keys = []
    for exchange, segment, symbol in symbols:
        found = by_symbol.get(symbol_alias_id(symbol)) if segment == "EQ" else None
        isin = current[found] if found else None
        keys.append(instrument_key(exchange=exchange, segment=segment, symbol=symbol, isin=isin))
    return keys


def symbol_keys_of(db: Database[Document], isins: Iterable[str]) -> dict[str, set[str]]:
    """{ISIN: the `EQ:<symbol>` keys it is known by}: actions recorded by symbol apply to it too
    (one query on the isin index)."""
    wanted = sorted(set(isins))
    found: dict[str, set[str]] = {}
    if not wanted:
        return found
    for doc in db[INSTRUMENT_ALIASES].find({"isin": {"$in": wanted}}, {"isin": 1}):
        if str(doc["_id"]).startswith("EQ:"):
            found.setdefault(doc["isin"], set()).add(doc["_id"])
    return found
