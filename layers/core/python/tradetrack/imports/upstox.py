"""Upstox trade history: the columns of Upstox's Trade History report (API v2
GET /charges/historical-trades): trade_date, exchange, segment, symbol, scrip_name, isin,
instrument_token, transaction_type, quantity, price, amount, trade_id, option_type,
strike_price, expiry. Header names are matched after normalisation ("Trade Date" = trade_date).

The report has no time of day: a fill is placed at trade_date 00:00 IST unless an optional
trade_time column (HH:MM[:SS], IST) is present. externalId is `exchange:trade_date:trade_id`
(docs/imports.md, "Fill identity"), as the Upstox API sync builds it; isin is carried when given.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from tradetrack.imports import fields
from tradetrack.imports.parsing import ParseResult, parse_records
from tradetrack.imports.table import Record
from tradetrack.models.executions import SEGMENT_OF_EXCHANGE

REQUIRED = ("trade_date", "exchange", "symbol", "transaction_type", "quantity", "price", "trade_id")
_BARE_UNDERLYING = re.compile(r"^[A-Z&_.\-]+$")


def _strike(value: str) -> str:
    strike = fields.decimal(value, "strike_price")
    return format(strike.normalize(), "f") if strike else ""


def _symbol(record: Record, segment: str) -> str:
    """The contract's symbol. A derivative row naming only its underlying (NIFTY) gets expiry,
    strike and option type appended, so different contracts never merge into one instrument."""
    symbol = fields.required(record.get("symbol") or record.get("scrip_name"), "symbol").upper()
    expiry = record.get("expiry")
    if segment == "EQ" or not expiry or not _BARE_UNDERLYING.match(symbol):
        return symbol
    expiry_day: date = fields.parse_date(expiry, "expiry")
    option = record.get("option_type").upper()
    if option and option not in {"CE", "PE"}:
        raise fields.RowError("option_type must be CE, PE or empty")
    strike = _strike(record.get("strike_price")) if record.get("strike_price") else ""
    parts = [symbol, expiry_day.strftime("%d%b%Y").upper(), strike if option else "", option or "FUT"]
    return " ".join(part for part in parts if part)


def to_fields(record: Record) -> dict[str, Any]:
    exchange = fields.exchange_of(fields.required(record.get("exchange"), "exchange"), record.get("segment"))
    day = fields.parse_date(fields.required(record.get("trade_date"), "trade_date"), "trade_date")
    executed = datetime(day.year, day.month, day.day)
    if record.get("trade_time"):
        executed = datetime.combine(day, fields.parse_time(record.get("trade_time"), "trade_time"))
    return {
        "symbol": _symbol(record, SEGMENT_OF_EXCHANGE[exchange]),
        "exchange": exchange,
        "side": fields.side(record.get("transaction_type"), "transaction_type"),
        "quantity": fields.quantity(fields.required(record.get("quantity"), "quantity"), "quantity"),
        "price": fields.decimal(fields.required(record.get("price"), "price"), "price"),
        "executedAt": executed,
        "externalId": fields.fill_id(exchange, day, record.get("trade_id"), "trade_id"),
        "orderId": record.get("order_id") or None,
        "isin": record.get("isin") or None,
    }


def parse(text: str, *, account_id: str, now: datetime | None = None) -> ParseResult:
    return parse_records(
        text, source="upstox", required=REQUIRED, to_fields=to_fields, account_id=account_id, now=now
    )
