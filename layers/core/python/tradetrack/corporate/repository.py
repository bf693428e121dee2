"""The corporate_actions collection (platform table and users' overrides) and the ISIN links.

A document: `{_id, scope: "platform" | <userId>, keys: [instrument keys it applies to], instrument,
kind, exDate: "YYYY-MM-DD", numerator, denominator, costPercent (decimal string), newIsin,
newSymbol, purpose, source, disabled, createdAt}`. A user's document with the same `actionKey`
(instrument, kind, ex-date) replaces the platform's for that user; `disabled` removes it.
Only this module names the collection.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from pymongo.database import Database

from tradetrack.analytics.adjustments import Adjustment
from tradetrack.instruments.aliases import symbol_keys_of
from tradetrack.timeutil import IST

Document = dict[str, Any]
CORPORATE_ACTIONS = "corporate_actions"
PLATFORM = "platform"
ENGINE_KINDS = frozenset({"split", "consolidation", "bonus", "demerger"})


def action_key(doc: Document) -> str:
    return f"{doc['instrument']}|{doc['kind']}|{doc['exDate']}"


def ex_date_start(day: str) -> datetime:
    """00:00 IST of the ex-date: the action applies before that day's fills."""
    return datetime.combine(date.fromisoformat(day), time(0), IST)


def effective_actions(docs: Collection[Document], user_id: str) -> list[Document]:
    """The actions in force for the user: their own replace the platform's of the same key."""
    chosen: dict[str, Document] = {}
    for doc in sorted(docs, key=lambda d: d["scope"] != PLATFORM):  # platform first, then the user's
        if doc["scope"] in (PLATFORM, user_id):
            chosen[action_key(doc)] = doc
    return sorted(
        (d for d in chosen.values() if not d.get("disabled")), key=lambda d: (d["exDate"], d["_id"])
    )


def to_adjustment(doc: Document) -> Adjustment:
    percent = doc.get("costPercent")
    return Adjustment(
        action_id=f"ca_{doc['_id']}",
        kind=doc["kind"],
        effective_at=ex_date_start(doc["exDate"]),
        numerator=int(doc.get("numerator") or 1),
        denominator=int(doc.get("denominator") or 1),
        cost_percent=Decimal(percent) if percent is not None else None,
    )


def actions_for(db: Database[Document], user_id: str, instruments: Collection[str]) -> list[Document]:
    """The user's effective actions on these instruments (one indexed query)."""
    if not instruments:
        return []
    query = {"keys": {"$in": sorted(instruments)}, "scope": {"$in": [PLATFORM, user_id]}}
    return effective_actions(list(db[CORPORATE_ACTIONS].find(query)), user_id)


def adjustments_for(
    db: Database[Document], user_id: str, instruments: Collection[str]
) -> dict[str, list[Adjustment]]:
    """What the FIFO engine applies to each instrument's lots, by instrument: the actions keyed by
    the instrument, or by a symbol its ISIN is known by (an action recorded by symbol before the
    ISIN was learnt)."""
    isins = [key.removeprefix("ISIN:") for key in instruments if key.startswith("ISIN:")]
    aliases = {f"ISIN:{isin}": keys for isin, keys in symbol_keys_of(db, isins).items()}
    wanted = {key: {key} | aliases.get(key, set()) for key in instruments}
    found: dict[str, list[Adjustment]] = {}
    for doc in actions_for(db, user_id, set().union(*wanted.values())):
        if doc["kind"] not in ENGINE_KINDS:
            continue
        for instrument, keys in wanted.items():
            if keys & set(doc["keys"]):
                found.setdefault(instrument, []).append(to_adjustment(doc))
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
