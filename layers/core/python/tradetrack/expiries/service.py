"""Settlement prices in, expired contracts closed: the logic behind /v1/settlements."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.db.executions import pairs_with_prefix
from tradetrack.errors import NotFound, SemanticError
from tradetrack.expiries import repository
from tradetrack.expiries.models import SettlementIn, SettlementOut
from tradetrack.instruments.expiry import contract_of
from tradetrack.money import money_str, to_scaled
from tradetrack.timeutil import ist_date
from tradetrack.trades import rebuild_ledgers

Document = dict[str, Any]


def _pairs(db: Database[Document], user_id: str, key: repository.Key) -> set[tuple[str, str]]:
    """The user's (account, instrument) pairs whose contract expires on `key`'s day."""
    exchange, underlying, expiry = key
    return {
        (account, instrument)
        for account, instrument in pairs_with_prefix(db, user_id, f"{exchange}:{underlying}:")
        if (contract := contract_of(instrument)) is not None and contract.expiry == expiry
    }


def set_settlement(
    db: Database[Document], cache: redis.Redis, user_id: str, request: SettlementIn
) -> SettlementOut:
    """Record the price and close the user's contracts of that expiry at it."""
    if request.expiry > ist_date(datetime.now(UTC)):
        raise SemanticError("expiry is in the future", details=[{"field": "expiry", "issue": "future"}])
    key = (request.exchange, request.underlying, request.expiry)
    repository.save(db, user_id, key, to_scaled(request.price))
    pairs = _pairs(db, user_id, key)
    if pairs:
        rebuild_ledgers(db, cache, user_id, pairs)
    return SettlementOut(
        exchange=request.exchange,
        underlying=request.underlying,
        expiry=request.expiry,
        price=money_str(to_scaled(request.price)),
        contracts=len({instrument for _, instrument in pairs}),
    )


def delete_settlement(db: Database[Document], cache: redis.Redis, user_id: str, key: repository.Key) -> None:
    if not repository.remove(db, user_id, key):
        raise NotFound("no such settlement")
    pairs = _pairs(db, user_id, key)
    if pairs:
        rebuild_ledgers(db, cache, user_id, pairs)


def list_settlements(db: Database[Document], user_id: str) -> list[SettlementOut]:
    return [
        SettlementOut(
            exchange=doc["exchange"],
            underlying=doc["underlying"],
            expiry=date.fromisoformat(doc["expiry"]),
            price=money_str(int(doc["price"])),
        )
        for doc in repository.list_for(db, user_id)
    ]
