"""Risk's logic behind the routes and the paper placement: limits per user and per account (the
account's fields override the user's), the pre-trade check of an order, the violations' pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.errors import NotFound, SemanticError
from tradetrack.money import money_str, to_scaled
from tradetrack.pagination import decode_time_id, encode_time_id
from tradetrack.queries import aware
from tradetrack.risk import repository as repo
from tradetrack.risk.exposure import snapshot
from tradetrack.risk.models import AccountLimitsOut, LimitsIn, LimitsOut, ViolationOut, ViolationPage
from tradetrack.risk.rules import COUNT_RULES, Context, Limits, OrderIntent, Rejection, check_order, merge
from tradetrack.timeutil import IST, ist_date

Document = dict[str, Any]
Owns = Callable[[str, str], bool]  # (user id, account id) → whether the account is the user's
MONEY_FIELDS = ("maxLossPerDay", "maxOrderValue", "maxPositionValue")
COUNT_FIELDS = ("maxOpenPositions", "maxQuantityPerOrder")
LIST_FIELDS = ("allowedExchanges", "allowedInstruments")


def _now() -> datetime:
    return datetime.now(UTC)


# Limits


def _stored_fields(body: LimitsIn) -> Document:
    """The body as stored: money scaled (422 for a zero), lists deduplicated and sorted."""
    raw = body.model_dump(by_alias=True)
    fields: Document = {}
    for key in MONEY_FIELDS:
        value = raw[key]
        scaled = None if value is None else to_scaled(Decimal(value))
        if scaled is not None and scaled <= 0:
            raise SemanticError(
                f"{key} must be more than zero (null: no limit)",
                details=[{"field": key, "issue": "not_positive"}],
            )
        fields[key] = scaled
    for key in COUNT_FIELDS:
        fields[key] = raw[key]
    for key in LIST_FIELDS:
        fields[key] = None if raw[key] is None else sorted(set(raw[key]))
    return fields


def _limits_out(doc: Document | None, scope: str, account_id: str | None) -> LimitsOut:
    doc = doc or {}
    values: Document = {key: doc.get(key) for key in (*COUNT_FIELDS, *LIST_FIELDS)}
    values |= {key: None if doc.get(key) is None else money_str(int(doc[key])) for key in MONEY_FIELDS}
    updated = doc.get("updatedAt")
    return LimitsOut.model_validate(
        {
            **values,
            "scope": scope,
            "accountId": account_id,
            "updatedAt": None if updated is None else aware(updated).astimezone(IST),
        }
    )


def _effective_out(user: Document | None, account: Document | None, account_id: str) -> LimitsOut:
    merged = merge(repo.to_limits(user), repo.to_limits(account))
    exchanges, instruments = merged.allowed_exchanges, merged.allowed_instruments
    doc: Document = {
        "maxLossPerDay": merged.max_loss_per_day,
        "maxOrderValue": merged.max_order_value,
        "maxPositionValue": merged.max_position_value,
        "maxOpenPositions": merged.max_open_positions,
        "maxQuantityPerOrder": merged.max_quantity_per_order,
        "allowedExchanges": None if exchanges is None else sorted(exchanges),
        "allowedInstruments": None if instruments is None else sorted(instruments),
    }
    return _limits_out(doc, "effective", account_id)


def get_user_limits(db: Database[Document], user_id: str) -> LimitsOut:
    return _limits_out(repo.get_limits(db, user_id, None), "user", None)


def set_user_limits(
    db: Database[Document],
    cache: redis.Redis,
    user_id: str,
    body: LimitsIn,
    *,
    now: Callable[[], datetime] = _now,
) -> LimitsOut:
    fields = _stored_fields(body)
    doc = repo.put_limits(db, cache, user_id, None, _with_flags(fields, now()))
    return _limits_out(doc, "user", None)


def _with_flags(fields: Document, at: datetime) -> Document:
    limits = repo.to_limits(fields) or Limits()
    return {**fields, "monitored": limits.monitored(), "updatedAt": at}


def _owned(user_id: str, account_id: str, owns: Owns) -> None:
    if not owns(user_id, account_id):
        raise NotFound("no such account (a paper account or a connected broker account of yours)")


def get_account_limits(db: Database[Document], user_id: str, account_id: str, owns: Owns) -> AccountLimitsOut:
    _owned(user_id, account_id, owns)
    user, account = repo.limits_for(db, user_id, account_id)
    return _account_out(user, account, account_id)


def _account_out(user: Document | None, account: Document | None, account_id: str) -> AccountLimitsOut:
    return AccountLimitsOut(
        account_id=account_id,
        account=_limits_out(account, "account", account_id),
        user=_limits_out(user, "user", None),
        effective=_effective_out(user, account, account_id),
    )


def set_account_limits(
    db: Database[Document],
    cache: redis.Redis,
    user_id: str,
    account_id: str,
    body: LimitsIn,
    owns: Owns,
    *,
    now: Callable[[], datetime] = _now,
) -> AccountLimitsOut:
    _owned(user_id, account_id, owns)
    fields = _stored_fields(body)
    account = repo.put_limits(db, cache, user_id, account_id, _with_flags(fields, now()))
    return _account_out(repo.get_limits(db, user_id, None), account, account_id)


# Pre-trade


def pre_trade(
    db: Database[Document],
    cache: redis.Redis,
    user_id: str,
    account_id: str,
    intent: OrderIntent,
    *,
    day: date | None = None,
) -> Rejection | None:
    """The rule the order breaks under the account's limits, else None. The limits come from Redis
    (a Mongo query when not cached); the account's snapshot (journal and quotes) is read only when
    a loss, position-value or count limit needs it."""
    docs = repo.cached_limits(db, cache, user_id)
    user, account = docs.get(repo.limits_id(user_id, None)), docs.get(repo.limits_id(user_id, account_id))
    limits = merge(repo.to_limits(user), repo.to_limits(account))
    if limits.is_empty():
        return None
    context = Context()
    needs_holdings = limits.monitored()  # loss, position value and count read the holdings
    if needs_holdings:
        context = snapshot(db, cache, user_id, account_id, day or ist_date(_now()), kept=True).context()
    return check_order(limits, intent, context)


# Violations


def violation_out(doc: Document) -> ViolationOut:
    def shown(value: Any) -> str | None:
        if value is None:
            return None
        return str(int(value)) if doc["rule"] in COUNT_RULES else money_str(int(value))

    return ViolationOut.model_validate(
        {
            "violationId": doc["_id"],
            "accountId": doc["accountId"],
            "rule": doc["rule"],
            "day": doc["day"],
            "message": doc["message"],
            "value": shown(doc.get("value")),
            "limit": shown(doc.get("limit")),
            "dayPnl": money_str(int(doc.get("dayPnl") or 0)),
            "exposure": money_str(int(doc.get("exposure") or 0)),
            "squaredOff": bool(doc.get("squaredOff")),
            "createdAt": aware(doc["createdAt"]).astimezone(IST),
        }
    )


def list_violations(
    db: Database[Document], user_id: str, *, account_id: str | None, limit: int, cursor: str | None
) -> ViolationPage:
    """The user's violations newest first, one keyset page at a time."""
    after = decode_time_id(cursor)
    docs = repo.list_violations(db, user_id, account_id=account_id, limit=limit + 1, after=after)
    more = len(docs) > limit
    docs = docs[:limit]
    following = encode_time_id(aware(docs[-1]["createdAt"]), docs[-1]["_id"]) if more and docs else None
    return ViolationPage(items=[violation_out(d) for d in docs], next_cursor=following)
