"""The logic behind /v1/admin/corporate-actions and /v1/corporate-actions (docs/corporate-actions.md).

An action applies to the fills whose instrument is one of its `keys`: `ISIN:<isin>` when the ISIN
is given (plus the ISIN it has since become), else the symbol's ISIN when instrument_aliases knows
it, and always `EQ:<base symbol>` when a symbol is given (fills that came without an ISIN). Its
`_id` is a digest of (scope, instrument, kind, ex-date), so importing the same file twice stores
nothing new. Two actions of one scope with the same kind and ex-date whose keys overlap are the
same action, however each was named; a user's action that is the same as a platform one takes the
platform one's instrument, so it replaces it for that user (tradetrack.corporate.repository).

Every change re-derives, synchronously, the trades of every (account, instrument) pair holding
one of the action's keys (and, for a demerger, the new company's pair in the same accounts): of
every user for a platform action, of the caller for their own. A rename with a new ISIN is
applied by tradetrack.corporate.identity.rekey_isin: the old ISIN leads to the new one, stored
fills move to it, and the actions on the old ISIN apply to the new one too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import redis
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from tradetrack.corporate.api_models import (
    CorporateActionIn,
    CorporateActionOut,
    CorporateActionPage,
    NseImportReport,
    NseImportRequest,
    UnknownPurpose,
    UserCorporateActions,
    parse_ratio,
)
from tradetrack.corporate.identity import rekey_isin
from tradetrack.corporate.models import CorporateAction
from tradetrack.corporate.nse import parse_nse_actions
from tradetrack.corporate.repository import CORPORATE_ACTIONS, PLATFORM, effective_actions
from tradetrack.db.audit import record_audit
from tradetrack.db.executions import EXECUTIONS
from tradetrack.db.ledgers import Pair
from tradetrack.errors import Conflict, NotFound, ValidationFailed
from tradetrack.imports.models import Rejection
from tradetrack.instruments.aliases import current_isins, instruments_of
from tradetrack.instruments.symbols import base_symbol
from tradetrack.observability import logger
from tradetrack.pagination import decode_cursor, encode_cursor
from tradetrack.queries import aware
from tradetrack.timeutil import IST
from tradetrack.trades import rebuild_ledgers

Document = dict[str, Any]
ADMIN_SOURCE, USER_SOURCE = "admin", "user"
CURSOR_KIND = "cact"
_DUPLICATE_KEY = 11000
_TERMS = ("numerator", "denominator", "ratio", "costPercent", "newIsin", "newSymbol")


# ---- identity -----------------------------------------------------------------------------------


def action_id(scope: str, instrument: str, kind: str, ex_date: str) -> str:
    digest = hashlib.sha256(f"{scope}\x1f{instrument}\x1f{kind}\x1f{ex_date}".encode()).hexdigest()
    return f"act_{digest[:24]}"


def _unique(keys: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(keys))


def instrument_keys(db: Database[Document], symbol: str | None, isin: str | None) -> tuple[str, list[str]]:
    """(the action's instrument, its keys): see the module docstring."""
    keys: list[str] = []
    if isin is not None:
        keys += [f"ISIN:{isin}", f"ISIN:{current_isins(db, [isin])[isin]}"]
    elif symbol is not None:
        keys += instruments_of(db, [("NSE", "EQ", symbol)])
    if symbol is not None:
        keys.append(f"EQ:{base_symbol(symbol)}")
    instrument = f"ISIN:{isin}" if isin is not None else f"EQ:{base_symbol(symbol or '')}"
    return instrument, _unique(keys)


def _known_isin(db: Database[Document], symbol: str | None) -> str | None:
    if symbol is None:
        return None
    [key] = instruments_of(db, [("NSE", "EQ", symbol)])
    return key.removeprefix("ISIN:") if key.startswith("ISIN:") else None


# ---- terms --------------------------------------------------------------------------------------


def _invalid(field: str, message: str, issue: str = "invalid") -> ValidationFailed:
    return ValidationFailed(message, details=[{"field": f"body.{field}", "issue": issue, "message": message}])


def model_ratio(kind: str, ratio: str | None) -> tuple[int, int]:
    """The API's "a:b" as CorporateAction's (ratio_from, ratio_to) (api_models' docstring)."""
    if kind == "rename":
        if ratio is not None and len(set(parse_ratio(ratio))) != 1:
            raise _invalid("ratio", "a rename keeps the units: omit the ratio (or give 1:1)")
        return 1, 1
    if ratio is None:
        raise _invalid("ratio", f'a {kind} needs its ratio "a:b"', "missing")
    first, second = parse_ratio(ratio)
    return (second, first) if kind == "demerger" else (first, second)


def api_ratio(kind: str, ratio_from: int, ratio_to: int) -> str | None:
    if kind == "rename":
        return None
    return f"{ratio_to}:{ratio_from}" if kind == "demerger" else f"{ratio_from}:{ratio_to}"


def _field_of(message: str) -> str:
    """The body field a CorporateAction's complaint is about."""
    for needle, name in (("ratio", "ratio"), ("face value", "ratio"), ("cost_percent", "costPercent")):
        if needle in message:
            return name
    return "newIsin" if "new_" in message else "kind"


def action_of(request: CorporateActionIn, *, old_isin: str | None, source: str) -> CorporateAction:
    """The request's action, checked: a 400 naming the field when it is not one."""
    if request.symbol is None and request.isin is None:
        raise _invalid("symbol", "give the symbol or the isin of the security", "missing")
    if request.kind == "demerger" and request.new_isin is None:
        raise _invalid(
            "newIsin", "a demerger needs newIsin: the new company's shares are lots of it", "missing"
        )
    if request.kind == "rename" and request.new_isin is not None and old_isin is None:
        raise _invalid(
            "isin", "the symbol's ISIN is not known: give isin, the ISIN before the rename", "missing"
        )
    if request.kind not in ("rename", "demerger") and (request.new_isin or request.new_symbol):
        field = "newIsin" if request.new_isin else "newSymbol"
        raise _invalid(
            field, f"a {request.kind} keeps the symbol and ISIN: {field} is for renames and demergers"
        )
    if request.kind != "demerger" and request.cost_percent is not None:
        raise _invalid("costPercent", "costPercent applies to demergers only")
    if request.new_isin is not None and request.new_isin == old_isin:
        raise _invalid("newIsin", "newIsin is the security's ISIN already")
    ratio_from, ratio_to = model_ratio(request.kind, request.ratio)
    try:
        return CorporateAction(
            kind=request.kind,
            symbol=request.symbol or old_isin or "",
            isin=old_isin,
            ex_date=request.ex_date,
            ratio_from=ratio_from,
            ratio_to=ratio_to,
            new_symbol=request.new_symbol,
            new_isin=request.new_isin,
            cost_percent=request.cost_percent,
            source=source,
            purpose=request.purpose or "",
        )
    except ValueError as exc:
        raise _invalid(_field_of(str(exc)), str(exc)) from None


def action_document(
    db: Database[Document],
    action: CorporateAction,
    *,
    scope: str,
    symbol: str | None,
    created_by: str,
    now: datetime | None = None,
) -> Document:
    """The stored form (tradetrack.corporate.repository's docstring), `_id` deterministic."""
    instrument, keys = instrument_keys(db, symbol, action.isin)
    numerator, denominator = action.quantity_multiplier()
    ex_date = action.ex_date.isoformat()
    return {
        "_id": action_id(scope, instrument, action.kind, ex_date),
        "scope": scope,
        "instrument": instrument,
        "keys": keys,
        "kind": action.kind,
        "symbol": base_symbol(symbol) if symbol else None,
        "isin": action.isin,
        "exDate": ex_date,
        "ratio": api_ratio(action.kind, action.ratio_from, action.ratio_to),
        "numerator": numerator,
        "denominator": denominator,
        "costPercent": str(action.cost_percent) if action.cost_percent is not None else None,
        "newIsin": action.new_isin,
        "newSymbol": action.new_symbol,
        "purpose": action.purpose or None,
        "source": action.source,
        "disabled": False,
        "createdAt": now or datetime.now(UTC),
        "createdBy": created_by,
    }


def _request_document(
    db: Database[Document], request: CorporateActionIn, *, scope: str, source: str, created_by: str
) -> Document:
    old_isin = request.isin or (_known_isin(db, request.symbol) if request.kind == "rename" else None)
    action = action_of(request, old_isin=old_isin, source=source)
    return action_document(db, action, scope=scope, symbol=request.symbol, created_by=created_by)


def action_out(doc: Document) -> CorporateActionOut:
    created = doc.get("createdAt")
    return CorporateActionOut(
        action_id=doc["_id"],
        scope="platform" if doc["scope"] == PLATFORM else "user",
        kind=doc["kind"],
        symbol=doc.get("symbol"),
        isin=doc.get("isin"),
        instrument=doc["instrument"],
        keys=list(doc.get("keys") or ()),
        ex_date=date.fromisoformat(doc["exDate"]),
        ratio=doc.get("ratio"),
        multiplier=f"{int(doc.get('numerator') or 1)}:{int(doc.get('denominator') or 1)}",
        new_isin=doc.get("newIsin"),
        new_symbol=doc.get("newSymbol"),
        cost_percent=doc.get("costPercent"),
        purpose=doc.get("purpose"),
        source=doc.get("source") or ADMIN_SOURCE,
        disabled=bool(doc.get("disabled")),
        created_at=_shown(created if isinstance(created, datetime) else datetime.now(UTC)),
    )


def _shown(moment: datetime) -> datetime:
    """IST, to the millisecond as BSON stores it (an answer on creation equals a later read)."""
    ist = aware(moment).astimezone(IST)
    return ist.replace(microsecond=ist.microsecond // 1000 * 1000)


# ---- storage ------------------------------------------------------------------------------------


def _same_actions(db: Database[Document], scopes: Sequence[str], docs: Sequence[Document]) -> list[Document]:
    """Stored actions of these scopes with a doc's `_id`, or its kind and ex-date and a shared key."""
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


def _is_same(stored: Document, doc: Document) -> bool:
    return stored["_id"] == doc["_id"] or (
        stored["kind"] == doc["kind"]
        and stored["exDate"] == doc["exDate"]
        and not set(stored.get("keys") or ()).isdisjoint(doc["keys"])
    )


def _get(db: Database[Document], action_id_: str) -> Document | None:
    return db[CORPORATE_ACTIONS].find_one({"_id": action_id_})


# ---- consequences -------------------------------------------------------------------------------


def _held(doc: Document) -> set[str]:
    """The instrument keys whose holders a change of this action concerns; none for a rename,
    which adjusts no lot (its ISIN change is applied by rekey_isin, which rebuilds its holders)."""
    return set() if doc["kind"] == "rename" else set(doc.get("keys") or ())


def _children(docs: Iterable[Document]) -> dict[str, set[str]]:
    """Parent key → the new companies' keys of the demergers among `docs`."""
    found: dict[str, set[str]] = {}
    for doc in docs:
        if doc["kind"] == "demerger" and doc.get("newIsin"):
            for key in doc.get("keys") or ():
                found.setdefault(key, set()).add(f"ISIN:{doc['newIsin']}")
    return found


def recompute_holders(
    db: Database[Document], cache: redis.Redis, docs: Sequence[Document], *, user_id: str | None = None
) -> int:
    """Re-derive the pairs holding the actions' instruments (of `user_id` only, if given), and each
    demerger's new-company pair in those accounts; returns the number of users recomputed."""
    instruments = sorted({key for doc in docs for key in _held(doc)})
    if not instruments:
        return 0
    children = _children(docs)
    query: Document = {"instrument": {"$in": instruments}}
    if user_id is not None:
        query["userId"] = user_id
    by_user: dict[str, set[Pair]] = {}
    for row in db[EXECUTIONS].find(query, {"userId": 1, "accountId": 1, "instrument": 1}):
        pairs = by_user.setdefault(row["userId"], set())
        pairs.add((row["accountId"], row["instrument"]))
        pairs.update((row["accountId"], child) for child in children.get(row["instrument"], ()))
    for holder, pairs in sorted(by_user.items()):
        rebuild_ledgers(db, cache, holder, sorted(pairs))
    if by_user:
        logger.info(
            "corporate action applied", extra={"users": len(by_user), "instruments": len(instruments)}
        )
    return len(by_user)


def _apply_identity(db: Database[Document], cache: redis.Redis, doc: Document) -> None:
    """A rename to a new ISIN: the old ISIN leads to the new one, every user's stored fills of it
    move there (their pairs rebuilt), and the actions on the old ISIN apply to the new one too."""
    old, new = doc.get("isin"), doc.get("newIsin")
    if doc["kind"] == "rename" and old and new:
        rekey_isin(db, cache, old, new)


# ---- admin: the platform table ------------------------------------------------------------------


def create_platform_action(
    db: Database[Document], cache: redis.Redis, admin_id: str, request: CorporateActionIn
) -> CorporateActionOut:
    doc = _request_document(db, request, scope=PLATFORM, source=ADMIN_SOURCE, created_by=admin_id)
    same = [stored for stored in _same_actions(db, [PLATFORM], [doc]) if _is_same(stored, doc)]
    if same:
        raise Conflict(
            f"the platform has this {doc['kind']} of {doc['exDate']} already: delete it first to change it",
            details=[{"field": "body", "issue": "duplicate", "actionId": same[0]["_id"]}],
        )
    try:
        db[CORPORATE_ACTIONS].insert_one(doc)
    except DuplicateKeyError:  # stored by a concurrent request since the check
        raise Conflict(
            f"the platform has this {doc['kind']} of {doc['exDate']} already",
            details=[{"field": "body", "issue": "duplicate", "actionId": doc["_id"]}],
        ) from None
    _apply_identity(db, cache, doc)
    record_audit(db, "corporate_action_created", user_id=admin_id, details={"actionId": doc["_id"]})
    recompute_holders(db, cache, [doc])
    return action_out(doc)


def list_platform_actions(
    db: Database[Document], *, symbol: str | None, isin: str | None, limit: int, cursor: str | None
) -> CorporateActionPage:
    """The platform table, latest ex-date first, keyset-paged; filtered by symbol and/or ISIN."""
    conditions: list[Document] = [{"scope": PLATFORM}]
    if symbol is not None:
        conditions.append({"keys": {"$in": instrument_keys(db, symbol, None)[1]}})
    if isin is not None:
        conditions.append({"keys": f"ISIN:{isin}"})
    after = _decode(cursor)
    if after is not None:
        day, last = after
        conditions.append({"$or": [{"exDate": {"$lt": day}}, {"exDate": day, "_id": {"$lt": last}}]})
    found = list(
        db[CORPORATE_ACTIONS].find({"$and": conditions}).sort([("exDate", -1), ("_id", -1)]).limit(limit + 1)
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


def delete_platform_action(
    db: Database[Document], cache: redis.Redis, admin_id: str, action_id_: str
) -> None:
    """Remove a platform action and re-derive its holders. A rename's ISIN link stays."""
    doc = _get(db, action_id_)
    if doc is None or doc["scope"] != PLATFORM:
        raise NotFound("no such corporate action")
    db[CORPORATE_ACTIONS].delete_one({"_id": action_id_})
    record_audit(db, "corporate_action_deleted", user_id=admin_id, details={"actionId": action_id_})
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
    stored = _Known(_same_actions(db, [PLATFORM], docs))
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
            replacement["keys"] = _unique([*same.get("keys", ()), *doc["keys"]])
            replaced.append(replacement)
            stored.replace(same, replacement)
        else:
            unchanged += 1
            extra = [key for key in doc["keys"] if key not in (same.get("keys") or ())]
            if extra:
                same["keys"] = [*same.get("keys", ()), *extra]
                grown.append(same)
    raced = _insert_new(db, inserts)
    inserts = [doc for doc in inserts if doc["_id"] not in raced]
    unchanged += len(raced)
    for doc in replaced + grown:
        db[CORPORATE_ACTIONS].replace_one({"_id": doc["_id"]}, doc, upsert=True)
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
        return next((d for d in self._by_day.get((doc["kind"], doc["exDate"]), ()) if _is_same(d, doc)), None)


def _insert_new(db: Database[Document], docs: Sequence[Document]) -> set[str]:
    """Insert the documents; returns the ids a concurrent import stored first (left as they are)."""
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


# ---- a user's own view, additions and disablings ------------------------------------------------


def _user_instruments(db: Database[Document], user_id: str) -> list[str]:
    return sorted(str(key) for key in db[EXECUTIONS].distinct("instrument", {"userId": user_id}))


def list_user_actions(db: Database[Document], user_id: str) -> UserCorporateActions:
    """The actions in force on the user's instruments (platform and own, own replacing platform),
    every action of the user's own, and the platform actions they disabled."""
    instruments = _user_instruments(db, user_id)
    docs: dict[str, Document] = {doc["_id"]: doc for doc in db[CORPORATE_ACTIONS].find({"scope": user_id})}
    if instruments:
        query = {"keys": {"$in": instruments}, "scope": PLATFORM}
        docs |= {doc["_id"]: doc for doc in db[CORPORATE_ACTIONS].find(query)}
    in_force = effective_actions(list(docs.values()), user_id)
    disabled = sorted(
        (doc for doc in docs.values() if doc["scope"] == user_id and doc.get("disabled")),
        key=lambda doc: (doc["exDate"], doc["_id"]),
    )
    return UserCorporateActions(
        items=[action_out(d) for d in in_force], disabled=[action_out(d) for d in disabled]
    )


def _as_override(doc: Document, base: Document, user_id: str) -> Document:
    """`doc` keyed as `base` (the same action), so that for the user it replaces the platform's."""
    keys = _unique([*base.get("keys", ()), *doc["keys"]])
    return doc | {
        "_id": action_id(user_id, base["instrument"], doc["kind"], doc["exDate"]),
        "instrument": base["instrument"],
        "keys": keys,
    }


def create_user_action(
    db: Database[Document], cache: redis.Redis, user_id: str, request: CorporateActionIn
) -> CorporateActionOut:
    """The user's own action (an addition, or a correction of a platform one): only their trades."""
    if request.kind == "rename":
        raise _invalid(
            "kind",
            "a rename changes an instrument's identity for every user: an administrator records it "
            "(POST /v1/admin/corporate-actions)",
            "admin_only",
        )
    doc = _request_document(db, request, scope=user_id, source=USER_SOURCE, created_by=user_id)
    same = [stored for stored in _same_actions(db, [user_id, PLATFORM], [doc]) if _is_same(stored, doc)]
    own = [stored for stored in same if stored["scope"] == user_id]
    base = next((stored for stored in same if stored["scope"] == PLATFORM), None) or (own[0] if own else None)
    if base is not None:
        doc = _as_override(doc, base, user_id)
    stale = [stored["_id"] for stored in own if stored["_id"] != doc["_id"]]
    if stale:
        db[CORPORATE_ACTIONS].delete_many({"_id": {"$in": stale}, "scope": user_id})
    db[CORPORATE_ACTIONS].replace_one({"_id": doc["_id"]}, doc, upsert=True)
    recompute_holders(db, cache, [doc, *own], user_id=user_id)
    return action_out(doc)


def delete_user_action(db: Database[Document], cache: redis.Redis, user_id: str, action_id_: str) -> None:
    """Remove one of the user's own actions (an addition, a correction or a disabling)."""
    doc = _get(db, action_id_)
    if doc is None or doc["scope"] != user_id:
        raise NotFound("no such corporate action")
    db[CORPORATE_ACTIONS].delete_one({"_id": action_id_, "scope": user_id})
    recompute_holders(db, cache, [doc], user_id=user_id)


def disable_platform_action(
    db: Database[Document], cache: redis.Redis, user_id: str, action_id_: str
) -> CorporateActionOut:
    """Stop a platform action applying to the user's trades: a document of theirs with the same
    action key and `disabled: true` (deleting it enables the action again)."""
    platform = _get(db, action_id_)
    if platform is None or platform["scope"] != PLATFORM:
        raise NotFound("no such platform corporate action")
    if platform["kind"] == "rename":
        raise Conflict(
            "a rename changes the instrument's identity for every user: it cannot be disabled for one",
            details=[{"field": "actionId", "issue": "rename"}],
        )
    doc = _as_override(platform, platform, user_id) | {
        "scope": user_id,
        "source": USER_SOURCE,
        "disabled": True,
        "disables": platform["_id"],
        "createdAt": datetime.now(UTC),
        "createdBy": user_id,
    }
    db[CORPORATE_ACTIONS].replace_one({"_id": doc["_id"]}, doc, upsert=True)
    recompute_holders(db, cache, [platform], user_id=user_id)
    return action_out(doc)
