"""/v1/admin/corporate-actions: the platform table, entered by admins or imported from NSE's file.

A change re-derives the trades of every user holding the action's instruments
(tradetrack.corporate.service).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.corporate.api_models import (
    CorporateActionIn,
    CorporateActionOut,
    CorporateActionPage,
    NseImportReport,
    NseImportRequest,
    UnknownPurpose,
)
from tradetrack.corporate.documents import (
    ADMIN_SOURCE,
    action_document,
    action_out,
    is_same,
    request_document,
)
from tradetrack.corporate.keys import instrument_keys, unique
from tradetrack.corporate.nse import parse_nse_actions
from tradetrack.corporate.service import apply_identity, recompute_holders
from tradetrack.db import corporate_actions as repository
from tradetrack.db.audit import record_audit
from tradetrack.db.corporate_actions import PLATFORM
from tradetrack.errors import Conflict, NotFound, ValidationFailed
from tradetrack.models.uploads import Rejection
from tradetrack.pagination import decode_cursor, encode_cursor

Document = dict[str, Any]
CURSOR_KIND = "cact"
_TERMS = ("numerator", "denominator", "ratio", "costPercent", "newIsin", "newSymbol")


def create_platform_action(
    db: Database[Document], cache: redis.Redis, admin_id: str, request: CorporateActionIn
) -> CorporateActionOut:
    doc = request_document(db, request, scope=PLATFORM, source=ADMIN_SOURCE, created_by=admin_id)
    same = [stored for stored in repository.stored_like(db, [PLATFORM], [doc]) if is_same(stored, doc)]
    if same:
        raise Conflict(
            f"the platform has this {doc['kind']} of {doc['exDate']} already: delete it first to change it",
            details=[{"field": "body", "issue": "duplicate", "actionId": same[0]["_id"]}],
        )
    if repository.insert_new_actions(db, [doc]):  # stored by a concurrent request since the check
        raise Conflict(
            f"the platform has this {doc['kind']} of {doc['exDate']} already",
            details=[{"field": "body", "issue": "duplicate", "actionId": doc["_id"]}],
        )
    apply_identity(db, cache, doc)
    record_audit(db, "corporate_action_created", user_id=admin_id, details={"actionId": doc["_id"]})
    recompute_holders(db, cache, [doc])
    return action_out(doc)


def list_platform_actions(
    db: Database[Document], *, symbol: str | None, isin: str | None, limit: int, cursor: str | None
) -> CorporateActionPage:
    """The platform table, latest ex-date first, keyset-paged; filtered by symbol and/or ISIN."""
    found = repository.platform_page(
        db,
        any_key=instrument_keys(db, symbol, None)[1] if symbol is not None else None,
        key=f"ISIN:{isin}" if isin is not None else None,
        after=_decode(cursor),
        limit=limit + 1,
    )
    more = len(found) > limit
    found = found[:limit]
    next_cursor = (
        encode_cursor({"k": CURSOR_KIND, "d": found[-1]["exDate"], "id": found[-1]["_id"]}) if more else None
    )
    return CorporateActionPage(items=[action_out(doc) for doc in found], next_cursor=next_cursor)


def _decode(cursor: str | None) -> tuple[str, str] | None:
    position = decode_cursor(cursor)
    if position is None:
        return None
    day, last = position.get("d"), position.get("id")
    if position.get("k") != CURSOR_KIND or not isinstance(day, str) or not isinstance(last, str):
        raise ValidationFailed("cursor is not valid", details=[{"field": "cursor"}])
    return day, last


def delete_platform_action(db: Database[Document], cache: redis.Redis, admin_id: str, action_id: str) -> None:
    """Remove a platform action and re-derive its holders. A rename's ISIN link stays."""
    doc = repository.get_action(db, action_id)
    if doc is None or doc["scope"] != PLATFORM:
        raise NotFound("no such corporate action")
    repository.delete_action(db, action_id, PLATFORM)
    record_audit(db, "corporate_action_deleted", user_id=admin_id, details={"actionId": action_id})
    recompute_holders(db, cache, [doc])


def import_nse_actions(
    db: Database[Document], cache: redis.Redis, admin_id: str, request: NseImportRequest
) -> NseImportReport:
    """Store the capital changes of an NSE corporate actions file in the platform table.

    An action already stored (the same one, however named) is unchanged, unless it came from an
    earlier NSE import and its terms differ (replaced); an action entered by an admin is never
    overwritten. An unchanged action whose keys grew (its symbol's ISIN became known) gets them.
    """
    parsed = parse_nse_actions(request.csv)
    docs = [
        action_document(db, action, scope=PLATFORM, symbol=action.symbol, created_by=admin_id)
        for action in parsed.actions
    ]
    stored = _Known(repository.stored_like(db, [PLATFORM], docs))
    inserts: list[Document] = []
    inserted_ids: set[str] = set()
    replaced: list[Document] = []
    grown: list[Document] = []
    unchanged = 0
    for doc in docs:
        same = stored.same_as(doc)
        if same is None:
            inserts.append(doc)
            inserted_ids.add(doc["_id"])
            stored.add(doc)
        elif same["_id"] in inserted_ids:  # the file states it twice
            unchanged += 1
        elif same.get("source") == doc["source"] and any(same.get(k) != doc[k] for k in _TERMS):
            replacement = doc | {"_id": same["_id"], "instrument": same["instrument"]}
            replacement["keys"] = unique([*same.get("keys", ()), *doc["keys"]])
            replaced.append(replacement)
            stored.replace(same, replacement)
        else:
            unchanged += 1
            extra = [key for key in doc["keys"] if key not in (same.get("keys") or ())]
            if extra:
                same["keys"] = [*same.get("keys", ()), *extra]
                grown.append(same)
    raced = repository.insert_new_actions(db, inserts)
    inserts = [doc for doc in inserts if doc["_id"] not in raced]
    unchanged += len(raced)
    repository.save_actions(db, replaced + grown)
    record_audit(
        db,
        "corporate_actions_imported",
        user_id=admin_id,
        details={"imported": len(inserts) + len(replaced), "unchanged": unchanged},
    )
    recompute_holders(db, cache, inserts + replaced + grown)
    return NseImportReport(
        imported=len(inserts) + len(replaced),
        unchanged=unchanged,
        ignored=parsed.ignored,
        unknown=[
            UnknownPurpose(line=line, symbol=symbol, purpose=purpose)
            for line, symbol, purpose in parsed.unknown
        ],
        rejected=[Rejection(line=line, reason=reason) for line, reason in parsed.rejected],
    )


class _Known:
    """Stored actions by (kind, ex-date), to find the one a new document is the same as."""

    def __init__(self, docs: Iterable[Document]) -> None:
        self._by_day: dict[tuple[str, str], list[Document]] = {}
        self._ids: dict[str, Document] = {}
        for doc in docs:
            self.add(doc)

    def add(self, doc: Document) -> None:
        self._by_day.setdefault((doc["kind"], doc["exDate"]), []).append(doc)
        self._ids[doc["_id"]] = doc

    def replace(self, old: Document, new: Document) -> None:
        day = self._by_day[(old["kind"], old["exDate"])]
        day[day.index(old)] = new
        self._ids[new["_id"]] = new

    def same_as(self, doc: Document) -> Document | None:
        found = self._ids.get(doc["_id"])
        if found is not None:
            return found
        return next((d for d in self._by_day.get((doc["kind"], doc["exDate"]), ()) if is_same(d, doc)), None)
