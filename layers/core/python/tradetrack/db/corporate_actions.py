"""The corporate_actions collection (platform table and users' overrides) and the ISIN links.

A document: `{_id, scope: "platform" | <userId>, keys: [instrument keys it applies to], instrument,
kind, exDate: "YYYY-MM-DD", numerator, denominator, costPercent (decimal string), newIsin,
newSymbol, purpose, source, disabled, createdAt}`. A user's document with the same `actionKey`
(instrument, kind, ex-date) replaces the platform's for that user; `disabled` removes it.
Only this module names the collection.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from pymongo import ReplaceOne
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from tradetrack.db.bulk import write_in_commands
from tradetrack.db.instrument_aliases import symbol_keys_of
from tradetrack.timeutil import ist_day_start

Document = dict[str, Any]
CORPORATE_ACTIONS = "corporate_actions"
PLATFORM = "platform"
ENGINE_KINDS = frozenset({"split", "consolidation", "bonus", "demerger"})
_DUPLICATE_KEY = 11000


def action_key(doc: Document) -> str:
    return f"{doc['instrument']}|{doc['kind']}|{doc['exDate']}"


def ex_date_start(day: str) -> datetime:
    """00:00 IST of the ex-date: the action applies before that day's fills."""
    return ist_day_start(date.fromisoformat(day))


def effective_actions(docs: Collection[Document], user_id: str) -> list[Document]:
    """The actions in force for the user: their own replace the platform's of the same key."""
    chosen: dict[str, Document] = {}
    for doc in sorted(docs, key=lambda d: d["scope"] != PLATFORM):  # platform first, then the user's
        if doc["scope"] in (PLATFORM, user_id):
            chosen[action_key(doc)] = doc
    return sorted(
        (d for d in chosen.values() if not d.get("disabled")), key=lambda d: (d["exDate"], d["_id"])
    )


def actions_for(db: Database[Document], user_id: str, instruments: Collection[str]) -> list[Document]:
    """The user's effective actions on these instruments (one indexed query)."""
    if not instruments:
        return []
    query = {"keys": {"$in": sorted(instruments)}, "scope": {"$in": [PLATFORM, user_id]}}
    return effective_actions(list(db[CORPORATE_ACTIONS].find(query)), user_id)


def engine_actions_by_instrument(
    db: Database[Document], user_id: str, instruments: Collection[str]
) -> dict[str, list[Document]]:
    """The actions the FIFO engine applies to each instrument's lots (split, consolidation, bonus,
    demerger), by instrument: those keyed by the instrument, or by a symbol its ISIN is known by
    (an action recorded by symbol before the ISIN was learnt)."""
    isins = [key.removeprefix("ISIN:") for key in instruments if key.startswith("ISIN:")]
    aliases = {f"ISIN:{isin}": keys for isin, keys in symbol_keys_of(db, isins).items()}
    wanted = {key: {key} | aliases.get(key, set()) for key in instruments}
    found: dict[str, list[Document]] = {}
    for doc in actions_for(db, user_id, set().union(*wanted.values())):
        if doc["kind"] not in ENGINE_KINDS:
            continue
        for instrument, keys in wanted.items():
            if keys & set(doc["keys"]):
                found.setdefault(instrument, []).append(doc)
    return found


def demergers_touching(db: Database[Document], user_id: str, instruments: Collection[str]) -> list[Document]:
    """The demergers in force for the user whose parent or resulting company is one of these
    instruments (their pairs are recomputed together: the parent's lots give the new company's)."""
    if not instruments:
        return []
    isins = sorted(key.removeprefix("ISIN:") for key in instruments if key.startswith("ISIN:"))
    query = {
        "kind": "demerger",
        "scope": {"$in": [PLATFORM, user_id]},
        "$or": [{"keys": {"$in": sorted(instruments)}}, {"newIsin": {"$in": isins}}],
    }
    return [
        doc
        for doc in effective_actions(list(db[CORPORATE_ACTIONS].find(query)), user_id)
        if doc.get("newIsin")
    ]


def follow_isin(db: Database[Document], old_isin: str, new_isin: str) -> None:
    """Actions stored on an ISIN that changed apply to its new ISIN's instrument too (a split
    recorded on the old ISIN must still adjust the lots now keyed by the new one)."""
    db[CORPORATE_ACTIONS].update_many(
        {"keys": f"ISIN:{old_isin}"}, {"$addToSet": {"keys": f"ISIN:{new_isin}"}}
    )


# ---- reads and writes of the admin and user routes (tradetrack.corporate.admin, .user) ----------


def get_action(db: Database[Document], action_id: str) -> Document | None:
    return db[CORPORATE_ACTIONS].find_one({"_id": action_id})


def actions_of_scope(db: Database[Document], scope: str) -> list[Document]:
    """Every action of the scope (a user's own: additions, corrections and disablings)."""
    return list(db[CORPORATE_ACTIONS].find({"scope": scope}))


def platform_actions_on(db: Database[Document], keys: Collection[str]) -> list[Document]:
    """The platform actions applying to one of these instrument keys."""
    if not keys:
        return []
    return list(db[CORPORATE_ACTIONS].find({"keys": {"$in": sorted(keys)}, "scope": PLATFORM}))


def stored_like(db: Database[Document], scopes: Sequence[str], docs: Sequence[Document]) -> list[Document]:
    """The stored actions of these scopes that the documents may be the same as: those with a
    document's `_id` or one of its keys."""
    if not docs:
        return []
    query = {
        "scope": {"$in": list(scopes)},
        "$or": [
            {"_id": {"$in": sorted({doc["_id"] for doc in docs})}},
            {"keys": {"$in": sorted({key for doc in docs for key in doc["keys"]})}},
        ],
    }
    return list(db[CORPORATE_ACTIONS].find(query))


def platform_page(
    db: Database[Document],
    *,
    any_key: Sequence[str] | None,
    key: str | None,
    after: tuple[str, str] | None,
    limit: int,
) -> list[Document]:
    """Up to `limit` platform actions, latest ex-date (then `_id`) first, after the (exDate, _id)
    `after`; only those with one of `any_key` and with `key`, when given."""
    conditions: list[Document] = [{"scope": PLATFORM}]
    if any_key is not None:
        conditions.append({"keys": {"$in": list(any_key)}})
    if key is not None:
        conditions.append({"keys": key})
    if after is not None:
        day, last = after
        conditions.append({"$or": [{"exDate": {"$lt": day}}, {"exDate": day, "_id": {"$lt": last}}]})
    query = db[CORPORATE_ACTIONS].find({"$and": conditions})
    return list(query.sort([("exDate", -1), ("_id", -1)]).limit(limit))


def insert_new_actions(db: Database[Document], docs: Sequence[Document]) -> set[str]:
    """Insert the documents; returns the ids stored already (by a concurrent request: left as they are)."""
    if not docs:
        return set()
    try:
        db[CORPORATE_ACTIONS].insert_many(list(docs), ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(error.get("code") != _DUPLICATE_KEY for error in errors):
            raise
        return {docs[int(error["index"])]["_id"] for error in errors}
    return set()


def save_actions(db: Database[Document], docs: Sequence[Document]) -> None:
    """Store each document in place of the one with its `_id`, if any (one bulk write)."""
    if docs:
        ops = [ReplaceOne({"_id": doc["_id"]}, doc, upsert=True) for doc in docs]
        write_in_commands(db[CORPORATE_ACTIONS], ops)


def delete_action(db: Database[Document], action_id: str, scope: str) -> None:
    db[CORPORATE_ACTIONS].delete_one({"_id": action_id, "scope": scope})


def delete_actions(db: Database[Document], action_ids: Sequence[str], scope: str) -> None:
    if action_ids:
        db[CORPORATE_ACTIONS].delete_many({"_id": {"$in": list(action_ids)}, "scope": scope})
