"""POST/GET/DELETE /v1/alerts: a user's price alerts (evaluation lives in tradetrack.market.alerting).

An alert that chooses the "sms" channel is refused (409) until the user has verified a phone
number (POST /v1/me/phone, then /v1/me/phone/verify): SMS goes only to verified numbers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pymongo.database import Database

from tradetrack.db import alerts as repo
from tradetrack.db import users
from tradetrack.errors import Conflict, NotFound, SemanticError
from tradetrack.models.market import AlertOut, AlertPage, CreateAlertRequest
from tradetrack.money import money_str, to_scaled
from tradetrack.pagination import decode_cursor, encode_cursor
from tradetrack.timeutil import to_ist

Document = dict[str, Any]
MAX_ALERTS_PER_USER = 500
PRICE_LIMIT = Decimal("10000000")  # 1 crore: no listed price comes near it
PCT_LIMIT = Decimal("1000")


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else to_ist(moment).isoformat()


def to_alert_out(doc: Document) -> AlertOut:
    return AlertOut(
        alert_id=doc["_id"],
        symbol=doc["symbol"],
        condition=doc["condition"],
        value=money_str(int(doc["value"])),
        channels=list(doc.get("channels") or []),
        repeat=bool(doc.get("repeat")),
        status=doc["status"],
        created_at=_iso(doc["createdAt"]) or "",
        triggered_at=_iso(doc.get("triggeredAt")),
        trigger_count=int(doc.get("triggerCount") or 0),
    )


def _check_value(condition: str, value: Decimal) -> None:
    if condition in ("above", "below"):
        if not Decimal(0) < value < PRICE_LIMIT:
            raise SemanticError(
                "a price level must be positive", details=[{"field": "value", "issue": "out_of_range"}]
            )
    elif not -PCT_LIMIT <= value <= PCT_LIMIT or (condition == "pct_change_below" and value < -100):
        raise SemanticError(
            "a percent change must lie between -100 and 1000",
            details=[{"field": "value", "issue": "out_of_range"}],
        )


def _check_sms(db: Database[Document], user_id: str) -> None:
    user = users.get_user(db, user_id)
    if user is None or not user.get("phone") or user.get("phoneVerified") is not True:
        raise Conflict(
            "SMS alerts need a verified phone number: verify one with POST /v1/me/phone first",
            details=[{"field": "channels", "issue": "phone_not_verified"}],
        )


def create_alert(db: Database[Document], user_id: str, request: CreateAlertRequest) -> AlertOut:
    value = Decimal(request.value)
    _check_value(request.condition, value)
    if "sms" in request.channels:
        _check_sms(db, user_id)
    if repo.count_alerts(db, user_id) >= MAX_ALERTS_PER_USER:
        raise SemanticError(f"at most {MAX_ALERTS_PER_USER} alerts per user: delete some first")
    doc: Document = {
        "_id": repo.new_alert_id(),
        "userId": user_id,
        "symbol": request.symbol,
        "condition": request.condition,
        "value": to_scaled(value),
        "channels": list(request.channels),
        "repeat": request.repeat,
        "status": "active",
        "armed": True,
        "triggerCount": 0,
        "createdAt": datetime.now(UTC),
        "triggeredAt": None,
    }
    return to_alert_out(repo.insert_alert(db, doc))


def list_alerts(
    db: Database[Document], user_id: str, *, limit: int, cursor: str | None, status: str | None
) -> AlertPage:
    position = decode_cursor(cursor)
    before = str(position["before"]) if position and "before" in position else None
    docs = repo.list_alerts(db, user_id, limit=limit + 1, before_id=before, status=status)
    more = len(docs) > limit
    docs = docs[:limit]
    next_cursor = encode_cursor({"before": docs[-1]["_id"]}) if more and docs else None
    return AlertPage(items=[to_alert_out(d) for d in docs], next_cursor=next_cursor)


def delete_alert(db: Database[Document], user_id: str, alert_id: str) -> None:
    if not repo.delete_alert(db, user_id, alert_id):
        raise NotFound("no such alert")
