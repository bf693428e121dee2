"""Zerodha Console tradebook (Reports → Tradebook → CSV).

Columns: symbol, isin, trade_date, exchange, segment, series, trade_type, auction, quantity,
price, trade_id, order_id, order_execution_time. Times are naive IST. externalId is
`exchange:trade_date:trade_id` (docs/imports.md, "Fill identity"): what the Kite Connect sync
builds from the same trade, so a later API sync of the same fill is a duplicate.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from tradetrack.imports import fields
from tradetrack.imports.parsing import ParseResult, parse_records
from tradetrack.imports.table import Record
from tradetrack.timeutil import ist_date

REQUIRED = (
    "symbol",
    "trade_date",
    "exchange",
    "segment",
    "trade_type",
    "quantity",
    "price",
    "trade_id",
    "order_execution_time",
)


def _executed_at(record: Record, day: date) -> datetime:
    """order_execution_time, which must fall on trade_date; when empty, trade_date at 00:00 IST."""
    moment = record.get("order_execution_time")
    if not moment:
        return datetime(day.year, day.month, day.day)
    executed = fields.parse_datetime(moment, "order_execution_time")
    if ist_date(executed) != day:
        raise fields.RowError(
            f"order_execution_time {ist_date(executed).isoformat()} is not on trade_date {day.isoformat()}"
        )
    return executed


def to_fields(record: Record) -> dict[str, Any]:
    exchange = fields.exchange_of(fields.required(record.get("exchange"), "exchange"), record.get("segment"))
    day = fields.parse_date(fields.required(record.get("trade_date"), "trade_date"), "trade_date")
    return {
        "symbol": fields.required(record.get("symbol"), "symbol"),
        "exchange": exchange,
        "side": fields.side(record.get("trade_type"), "trade_type"),
        "quantity": fields.quantity(fields.required(record.get("quantity"), "quantity"), "quantity"),
        "price": fields.decimal(fields.required(record.get("price"), "price"), "price"),
        "executedAt": _executed_at(record, day),
        "externalId": fields.fill_id(exchange, day, record.get("trade_id"), "trade_id"),
        "orderId": record.get("order_id") or None,
        "isin": record.get("isin") or None,
    }


def parse(text: str, *, account_id: str, now: datetime | None = None) -> ParseResult:
    return parse_records(
        text, source="zerodha", required=REQUIRED, to_fields=to_fields, account_id=account_id, now=now
    )
