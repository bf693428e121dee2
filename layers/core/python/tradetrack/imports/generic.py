"""TradeTrack's own CSV format (docs/imports.md, "generic"):

    date,time,symbol,exchange,side,quantity,price,fees,product,trade_id,order_id,isin

Required: date, symbol, exchange, side, quantity, price. Times are IST. An empty fees cell means
fees not given (estimated later), "0" means none. With a trade_id the externalId is
`exchange:date:trade_id` (docs/imports.md, "Fill identity"). Without one it is a hash of the
normalised row plus its occurrence number among identical rows of the file: importing the same
file again adds nothing, while two identical fills in one file both count.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tradetrack.imports import fields
from tradetrack.imports.parsing import ParseResult, parse_records
from tradetrack.imports.table import Record
from tradetrack.models.executions import ExecutionIn

REQUIRED = ("date", "symbol", "exchange", "side", "quantity", "price")


def _executed_at(record: Record, day: date) -> datetime:
    at = fields.parse_time(record.get("time"), "time") if record.get("time") else None
    return datetime.combine(day, at) if at else datetime(day.year, day.month, day.day)


def to_fields(record: Record) -> dict[str, Any]:
    exchange = fields.exchange_of(fields.required(record.get("exchange"), "exchange"), "")
    day = fields.parse_date(fields.required(record.get("date"), "date"), "date")
    trade_id = record.get("trade_id")
    row: dict[str, Any] = {
        "symbol": fields.required(record.get("symbol"), "symbol"),
        "exchange": exchange,
        "side": fields.side(record.get("side"), "side"),
        "quantity": fields.quantity(fields.required(record.get("quantity"), "quantity"), "quantity"),
        "price": fields.decimal(fields.required(record.get("price"), "price"), "price"),
        "executedAt": _executed_at(record, day),
        "externalId": fields.fill_id(exchange, day, trade_id, "trade_id") if trade_id else None,
        "orderId": record.get("order_id") or None,
        "isin": record.get("isin") or None,
    }
    if record.get("fees"):
        row["fees"] = fields.decimal(record.get("fees"), "fees")
    if record.get("product"):
        row["product"] = record.get("product").upper()
    return row


def _plain(amount: Decimal) -> str:
    return format(amount.normalize(), "f")


def row_fingerprint(item: ExecutionIn) -> str:
    """The normalised row: what makes two rows "the same fill" when the file gives no trade id."""
    parts = (
        item.executed_at.isoformat(),
        item.exchange,
        item.symbol,
        item.side,
        str(item.quantity),
        _plain(item.price),
        # Omitted fees count as 0 here, so the ids of files imported before fees could be omitted hold.
        _plain(item.fees if item.fees is not None else Decimal(0)),
        item.product or "",
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def with_row_ids(items: list[ExecutionIn], seen: Counter[str] | None = None) -> list[ExecutionIn]:
    """Give every fill without a trade id the id `row_<fingerprint>_<n>` (n-th identical row).
    `seen` counts the rows of the file before these (a file read in batches); it is updated."""
    seen = Counter() if seen is None else seen
    out = []
    for item in items:
        if item.external_id is not None:
            out.append(item)
            continue
        fingerprint = row_fingerprint(item)
        seen[fingerprint] += 1
        out.append(item.model_copy(update={"external_id": f"row_{fingerprint}_{seen[fingerprint]}"}))
    return out


def parse(text: str, *, account_id: str, now: datetime | None = None) -> ParseResult:
    result = parse_records(
        text, source="import", required=REQUIRED, to_fields=to_fields, account_id=account_id, now=now
    )
    result.items = with_row_ids(result.items)
    return result
