"""The logic behind /v1/opening-lots: manual lots in, listed, edited, deleted; trades re-derived.

Every change recomputes the (account, instrument) pair the lot belongs to, so an unmatched exit
it covers is matched at once (tradetrack.trades). An edit stores the changed lot as a new
execution (a new lot id) and deletes the old one: executions are immutable facts, and the pair's
ledger knows each by its id.
"""

from __future__ import annotations

import uuid
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.book import refuse_paper_account
from tradetrack.db.executions import delete_execution, insert_executions
from tradetrack.db.instrument_aliases import with_isins
from tradetrack.errors import Conflict, NotFound, ValidationFailed
from tradetrack.money import from_scaled
from tradetrack.openings import repository
from tradetrack.openings.lots import lot_document, lot_execution, lot_out
from tradetrack.openings.models import OpeningLotIn, OpeningLotOut, OpeningLotPage, OpeningLotPatch
from tradetrack.queries import aware, decode_position, encode_position, symbol_filter
from tradetrack.timeutil import IST
from tradetrack.trades import recompute

Document = dict[str, Any]
CURSOR_KIND = "lot"


def new_lot_id() -> str:
    return f"lot_{uuid.uuid4().hex}"


def create_lot(
    db: Database[Document], cache: redis.Redis, user_id: str, request: OpeningLotIn
) -> OpeningLotOut:
    """Store an explicit opening lot and re-derive its instrument's trades."""
    refuse_paper_account(request.account_id, what="an opening lot")
    symbol = request.symbol
    if symbol is None and request.isin is not None:
        # Named as the user's own fills of the ISIN name it; else by the ISIN itself.
        symbol = repository.symbol_of_isin(db, user_id, request.isin) or request.isin
    if symbol is None:
        raise ValidationFailed(
            "give the lot's symbol or its isin",
            details=[{"field": "body.symbol", "issue": "missing", "message": "symbol or isin is required"}],
        )
    item = lot_execution(
        account_id=request.account_id,
        symbol=symbol,
        exchange=request.exchange,
        isin=request.isin,
        quantity=request.quantity,
        price=request.average_price,
        acquired_on=request.acquired_on,
        external_id=new_lot_id(),
    )
    [item] = with_isins(db, [item])
    doc = lot_document(user_id, item, snapshot=False, opening_of="manual")
    report = insert_executions(db, [doc])
    recompute(db, cache, user_id, report.touched, facts=report.inserted)
    return lot_out(doc)


def list_lots(
    db: Database[Document],
    user_id: str,
    *,
    account_id: str | None,
    symbol: str | None,
    limit: int,
    cursor: str | None,
) -> OpeningLotPage:
    """The user's opening lots, latest acquisition first, one keyset page at a time."""
    filters: Document = symbol_filter(symbol)
    if account_id is not None:
        filters["accountId"] = account_id
    docs = repository.find_lots(
        db, user_id, filters, limit=limit + 1, after=decode_position(CURSOR_KIND, cursor)
    )
    more = len(docs) > limit
    docs = docs[:limit]
    next_cursor = (
        encode_position(CURSOR_KIND, docs[-1]["executedAt"], docs[-1]["_id"]) if more and docs else None
    )
    return OpeningLotPage(items=[lot_out(doc) for doc in docs], next_cursor=next_cursor)


def _own_lot(db: Database[Document], user_id: str, lot_id: str) -> Document:
    doc = repository.get_lot(db, user_id, lot_id)
    if doc is None:
        raise NotFound("no such opening lot")
    return doc


def edit_lot(
    db: Database[Document], cache: redis.Redis, user_id: str, lot_id: str, patch: OpeningLotPatch
) -> OpeningLotOut:
    """Replace a manual lot by one with the changed fields (a new lot id); answer the new lot.

    The new lot is stored before the old one is deleted, so a failure between the two leaves both
    (visible, deletable) rather than neither. A lot from a holdings file or a broker is the
    holding that source stated: it is corrected by importing the corrected file (409 here).
    """
    old = _own_lot(db, user_id, lot_id)
    if old.get("snapshot"):
        raise Conflict(
            "this lot is the holding a holdings file stated: import a corrected file for the same date, "
            "or delete the lot",
            details=[{"field": "lotId", "issue": "snapshot_lot", "openingOf": old.get("openingOf")}],
        )
    changes = patch.model_dump(exclude_unset=True, exclude_none=True)
    if not changes:
        raise ValidationFailed(
            "nothing to change: give quantity, averagePrice or acquiredOn",
            details=[{"field": "body", "issue": "empty"}],
        )
    item = lot_execution(
        account_id=old["accountId"],
        symbol=old["symbol"],
        exchange=old["exchange"],
        isin=old.get("isin"),
        quantity=changes.get("quantity", int(old["quantity"])),
        price=changes.get("average_price", from_scaled(int(old["price"]))),
        acquired_on=changes.get("acquired_on", aware(old["executedAt"]).astimezone(IST).date()),
        external_id=new_lot_id(),
    )
    [item] = with_isins(db, [item])
    new = lot_document(user_id, item, snapshot=False, opening_of=old.get("openingOf") or "manual")
    report = insert_executions(db, [new])
    if not delete_execution(db, user_id, lot_id, source=repository.OPENING):
        # Edited or deleted meanwhile by another request: this edit did not happen.
        repository.delete_lots(db, [new["_id"]])
        raise NotFound("no such opening lot")
    touched = report.touched | {(old["accountId"], old["instrument"])}
    recompute(db, cache, user_id, touched, facts=report.inserted, removed=[lot_id])
    return lot_out(new)


def delete_lot(db: Database[Document], cache: redis.Redis, user_id: str, lot_id: str) -> None:
    doc = _own_lot(db, user_id, lot_id)
    if not delete_execution(db, user_id, lot_id, source=repository.OPENING):
        raise NotFound("no such opening lot")
    recompute(db, cache, user_id, [(doc["accountId"], doc["instrument"])], facts=(), removed=[lot_id])
