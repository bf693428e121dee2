"""Zerodha Console tradebook (Reports → Tradebook → CSV).

Columns: symbol, isin, trade_date, exchange, segment, series, trade_type, auction, quantity,
price, trade_id, order_id, order_execution_time. Times are naive IST. externalId is trade_id,
the same id Kite Connect's trades carry, so a later API sync of the same fill is a duplicate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tradetrack.imports import fields
from tradetrack.imports.parsing import ParseResult, parse_records
from tradetrack.imports.table import Record

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


def _executed_at(record: Record) -> datetime:
    """order_execution_time; when a row leaves it empty, the trade date at 00:00 IST."""
    moment = record.get("order_execution_time")
    if moment:
        return fields.parse_datetime(moment, "order_execution_time")
    day = fields.parse_date(fields.required(record.get("trade_date"), "trade_date"), "trade_date")
    return datetime(day.year, day.month, day.day)


def to_fields(record: Record) -> dict[str, Any]:
    exchange = fields.exchange_of(fields.required(record.get("exchange"), "exchange"), record.get("segment"))
    return {
        "symbol": fields.required(record.get("symbol"), "symbol"),
        "exchange": exchange,
        "side": fields.side(record.get("trade_type"), "trade_type"),
        "quantity": fields.quantity(fields.required(record.get("quantity"), "quantity"), "quantity"),
        "price": fields.decimal(fields.required(record.get("price"), "price"), "price"),
        "executedAt": _executed_at(record),
        "externalId": fields.required(record.get("trade_id"), "trade_id"),
        "orderId": record.get("order_id") or None,
    }


def parse(text: str, *, account_id: str, now: datetime | None = None) -> ParseResult:
    return parse_records(
        text, source="zerodha", required=REQUIRED, to_fields=to_fields, account_id=account_id, now=now
    )
