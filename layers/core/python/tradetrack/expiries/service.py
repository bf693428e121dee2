"""Settlement prices in, expired contracts closed: the logic behind /v1/settlements.

A price is the underlying's final settlement price on one expiry day of one exchange; it settles
every contract of that underlying expiring that day, in every account of the user. It can only be
known once the day's F&O session has closed (15:30 IST), so a price for a later moment is refused.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import unquote

import redis
from pydantic import TypeAdapter, ValidationError
from pymongo.database import Database

from tradetrack.analytics.expiry_rules import CLOSE
from tradetrack.db import settlements as repository
from tradetrack.db.executions import pairs_with_prefix
from tradetrack.db.trades import stored_trades
from tradetrack.errors import NotFound, SemanticError, ValidationFailed
from tradetrack.expiries.models import (
    Settlement,
    SettlementExchange,
    SettlementIn,
    SettlementOut,
    SettlementPage,
    Underlying,
)
from tradetrack.instruments.expiry import contract_of
from tradetrack.money import money_str, to_scaled
from tradetrack.pagination import decode_cursor, encode_cursor
from tradetrack.timeutil import IST
from tradetrack.trades import rebuild_ledgers

Document = dict[str, Any]
Pair = tuple[str, str]

_KEY_PARTS: tuple[tuple[str, TypeAdapter[Any]], ...] = (
    ("exchange", TypeAdapter(SettlementExchange)),
    ("underlying", TypeAdapter(Underlying)),
    ("expiry", TypeAdapter(date)),
)


def settlement_key(exchange: str, underlying: str, expiry: str) -> repository.Key:
    """The (exchange, underlying, expiry) a route's path names (percent-encoded or not: `M%26M` is
    M&M), validated as a body's would be (`nifty` is NIFTY); 400 naming the first bad part."""
    values: list[Any] = []
    for (name, adapter), text in zip(_KEY_PARTS, (exchange, underlying, expiry), strict=True):
        try:
            values.append(adapter.validate_python(unquote(text), strict=False))
        except ValidationError as exc:
            error = exc.errors()[0]
            detail = {"field": f"path.{name}", "issue": error["type"], "message": error["msg"]}
            raise ValidationFailed("request failed validation", details=[detail]) from None
    return values[0], values[1], values[2]


def _pairs(db: Database[Document], user_id: str, key: repository.Key) -> set[Pair]:
    """The user's (account, instrument) pairs whose contract expires on `key`'s day."""
    exchange, underlying, _ = key
    return {
        (account, instrument)
        for account, instrument in pairs_with_prefix(db, user_id, f"{exchange}:{underlying}:")
        if (contract := contract_of(instrument)) is not None
        and (contract.exchange, contract.underlying, contract.expiry) == key
    }


def _settled(db: Database[Document], user_id: str, pairs: set[Pair]) -> int:
    """How many of these contracts have a position the expiry closed (a trade whose exit is the
    expiry's settlement), counted once however many accounts hold it."""
    found: set[str] = set()
    for (_, instrument), trades in stored_trades(db, user_id, sorted(pairs)).items():
        if any(f"expiry:{instrument}" in (doc.get("executionIds") or ()) for doc in trades.values()):
            found.add(instrument)
    return len(found)


def set_settlement(
    db: Database[Document], cache: redis.Redis, user_id: str, request: SettlementIn
) -> SettlementOut:
    """Record (or replace) the price and close the user's open positions of that expiry at it."""
    if datetime.now(UTC) < datetime.combine(request.expiry, CLOSE, IST):
        raise SemanticError(
            f"the {request.expiry.isoformat()} expiry has not closed yet (15:30 IST): "
            "its settlement price is not known",
            details=[{"field": "body.expiry", "issue": "future"}],
        )
    key = (request.exchange, request.underlying, request.expiry)
    price = to_scaled(request.price)
    repository.save(db, user_id, key, price)
    pairs = _pairs(db, user_id, key)
    if pairs:
        rebuild_ledgers(db, cache, user_id, pairs)
    return SettlementOut(
        exchange=request.exchange,
        underlying=request.underlying,
        expiry=request.expiry,
        price=money_str(price),
        contracts=_settled(db, user_id, pairs) if pairs else 0,
    )


def delete_settlement(db: Database[Document], cache: redis.Redis, user_id: str, key: repository.Key) -> None:
    """Forget the price: the positions it closed are open again (and reported as expired)."""
    if not repository.remove(db, user_id, key):
        raise NotFound("no such settlement")
    pairs = _pairs(db, user_id, key)
    if pairs:
        rebuild_ledgers(db, cache, user_id, pairs)


def _out(doc: Document) -> Settlement:
    return Settlement(
        exchange=doc["exchange"],
        underlying=doc["underlying"],
        expiry=date.fromisoformat(doc["expiry"]),
        price=money_str(int(doc["price"])),
    )


def list_settlements(
    db: Database[Document], user_id: str, *, limit: int, cursor: str | None
) -> SettlementPage:
    """The user's prices, latest expiry first (then exchange, underlying), a page at a time.

    A user has a few prices per expiry day at most, so the whole list is read and paged here."""
    position = decode_cursor(cursor)
    docs = repository.list_for(db, user_id)
    if position is not None:
        after = (position.get("expiry"), position.get("id"))
        if not (isinstance(after[0], str) and isinstance(after[1], str)):
            raise ValidationFailed("cursor is not valid", details=[{"field": "cursor"}])
        docs = [
            doc
            for doc in docs
            if (doc["expiry"] < after[0]) or (doc["expiry"] == after[0] and doc["_id"] > after[1])
        ]
    page = docs[:limit]
    more = len(docs) > limit
    next_cursor = (
        encode_cursor({"expiry": page[-1]["expiry"], "id": page[-1]["_id"]}) if more and page else None
    )
    return SettlementPage(items=[_out(doc) for doc in page], next_cursor=next_cursor)
