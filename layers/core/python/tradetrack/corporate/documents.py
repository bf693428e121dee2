"""An action's stored form (tradetrack.db.corporate_actions's docstring) and its API answer."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pymongo.database import Database

from tradetrack.corporate.api_models import CorporateActionIn, CorporateActionOut
from tradetrack.corporate.keys import action_id, instrument_keys, known_isin, unique
from tradetrack.corporate.models import CorporateAction
from tradetrack.corporate.terms import action_of, api_ratio
from tradetrack.db.corporate_actions import PLATFORM
from tradetrack.instruments.symbols import base_symbol
from tradetrack.queries import aware
from tradetrack.timeutil import IST

Document = dict[str, Any]
ADMIN_SOURCE, USER_SOURCE = "admin", "user"


def action_document(
    db: Database[Document],
    action: CorporateAction,
    *,
    scope: str,
    symbol: str | None,
    created_by: str,
    now: datetime | None = None,
) -> Document:
    """The stored form (tradetrack.db.corporate_actions's docstring), `_id` deterministic."""
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


def request_document(
    db: Database[Document], request: CorporateActionIn, *, scope: str, source: str, created_by: str
) -> Document:
    old_isin = request.isin or (known_isin(db, request.symbol) if request.kind == "rename" else None)
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


def is_same(stored: Document, doc: Document) -> bool:
    """Whether two documents are the same action: one `_id`, or one kind and ex-date on a shared key."""
    return stored["_id"] == doc["_id"] or (
        stored["kind"] == doc["kind"]
        and stored["exDate"] == doc["exDate"]
        and not set(stored.get("keys") or ()).isdisjoint(doc["keys"])
    )


def as_override(doc: Document, base: Document, user_id: str) -> Document:
    """`doc` keyed as `base` (the same action), so that for the user it replaces the platform's."""
    keys = unique([*base.get("keys", ()), *doc["keys"]])
    return doc | {
        "_id": action_id(user_id, base["instrument"], doc["kind"], doc["exDate"]),
        "instrument": base["instrument"],
        "keys": keys,
    }
