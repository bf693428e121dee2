"""An opening lot as an execution: built from its fields, shown from its document.

A lot is a BUY of source "opening" at its average price, fees 0 (given), product CNC, executed at
00:00 IST of its acquisition date; two fields are added to the stored document: `snapshot` (the
holding on that date, from a holdings file or a broker, rather than an explicit lot) and
`openingOf` (where it came from).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from tradetrack.db.executions import to_document
from tradetrack.errors import ValidationFailed
from tradetrack.models.executions import ExecutionIn, Source
from tradetrack.money import money_str
from tradetrack.openings.models import OpeningLotOut, OpeningOf
from tradetrack.queries import aware
from tradetrack.timeutil import IST, ist_day_start

Document = dict[str, Any]
OPENING: Source = "opening"
# ExecutionIn's fields → the names the opening-lot body gives them.
_BODY_FIELD = {
    "executedAt": "acquiredOn",
    "executed_at": "acquiredOn",
    "price": "averagePrice",
    "accountId": "accountId",
    "account_id": "accountId",
}


def acquisition_start(day: date) -> datetime:
    """00:00 IST of the acquisition date: the lot's executedAt."""
    return ist_day_start(day)


def lot_execution(
    *,
    account_id: str,
    symbol: str,
    exchange: str,
    isin: str | None,
    quantity: int,
    price: Decimal,
    acquired_on: date,
    external_id: str,
) -> ExecutionIn:
    """The execution a lot is stored as; a 400 naming the lot's field when it cannot be one."""
    try:
        return ExecutionIn.model_validate(
            {
                "accountId": account_id,
                "symbol": symbol,
                "exchange": exchange,
                "side": "BUY",
                "quantity": quantity,
                "price": price,
                "fees": Decimal(0),
                "executedAt": acquisition_start(acquired_on),
                "product": "CNC",
                "externalId": external_id,
                "isin": isin,
            }
        )
    except ValidationError as exc:
        raise ValidationFailed("the opening lot failed validation", details=_details(exc)) from None


def _details(exc: ValidationError) -> list[Document]:
    details = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error.get("loc") else "body"
        details.append(
            {
                "field": f"body.{_BODY_FIELD.get(name, name)}",
                "issue": error.get("type", "invalid"),
                "message": error.get("msg", ""),
            }
        )
    return details


def lot_document(user_id: str, item: ExecutionIn, *, snapshot: bool, opening_of: OpeningOf) -> Document:
    return to_document(user_id, OPENING, item) | {"snapshot": snapshot, "openingOf": opening_of}


def lot_out(doc: Document) -> OpeningLotOut:
    executed = aware(doc["executedAt"]).astimezone(IST)
    created = doc.get("createdAt")
    return OpeningLotOut(
        lot_id=doc["_id"],
        account_id=doc["accountId"],
        symbol=doc["symbol"],
        exchange=doc["exchange"],
        isin=doc.get("isin"),
        quantity=int(doc["quantity"]),
        average_price=money_str(int(doc["price"])),
        acquired_on=executed.date(),
        snapshot=bool(doc.get("snapshot")),
        opening_of=doc.get("openingOf") or "manual",
        created_at=_millis(aware(created).astimezone(IST)) if isinstance(created, datetime) else executed,
    )


def _millis(moment: datetime) -> datetime:
    """As BSON stores it, so a lot answered on creation and read back are equal."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
