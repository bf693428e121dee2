"""Cell parsers shared by the formats. Each raises RowError with a reason fit for the user."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import get_args

from tradetrack.models.executions import (
    MAX_EXTERNAL_ID,
    SEGMENT_OF_EXCHANGE,
    Exchange,
    Segment,
    Side,
    exchange_fill_id,
)


class RowError(ValueError):
    """A row that cannot be imported; the message is the reason shown to the user."""


_EXCHANGES: dict[str, Exchange] = {name: name for name in get_args(Exchange)}
_DECIMAL = re.compile(r"^\d{1,12}(\.\d{1,12})?$")
_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_SIDES: dict[str, Side] = {"buy": "BUY", "b": "BUY", "sell": "SELL", "s": "SELL"}
_SEGMENTS: dict[str, Segment | None] = {
    "EQ": "EQ",
    "FO": "FO",
    "F&O": "FO",
    "NFO": "FO",
    "CDS": "CDS",
    "CD": "CDS",
    "COM": "COM",
    "MCX": "COM",
    "MF": None,  # mutual funds: not fills on an exchange order book
}
# The longest trade id whose externalId ("NSE:2024-04-01:<trade id>") still fits.
MAX_TRADE_ID = MAX_EXTERNAL_ID - len(exchange_fill_id("NSE", date(2000, 1, 1), ""))
_DERIVED: dict[tuple[str, Segment], Exchange] = {
    ("NSE", "FO"): "NFO",
    ("BSE", "FO"): "BFO",
    ("NSE", "CDS"): "CDS",
    ("BSE", "CDS"): "BCD",
    ("MCX", "FO"): "MCX",
}


def required(value: str, column: str) -> str:
    if not value:
        raise RowError(f"{column} is empty")
    return value


def fill_id(exchange: Exchange, trade_date: date, value: str, column: str) -> str:
    """The externalId of the exchange trade `value` (docs/imports.md, "Fill identity")."""
    trade_id = required(value, column)
    if len(trade_id) > MAX_TRADE_ID:
        raise RowError(f"{column} must be at most {MAX_TRADE_ID} characters")
    return exchange_fill_id(exchange, trade_date, trade_id)


def side(value: str, column: str) -> Side:
    found = _SIDES.get(value.strip().lower())
    if found is None:
        raise RowError(f"{column} must be buy or sell")
    return found


def decimal(value: str, column: str) -> Decimal:
    """A plain non-negative decimal: digits, optional fraction; no sign, exponent or separators."""
    if not _DECIMAL.match(value):
        raise RowError(f"{column} must be a plain decimal number such as 1234.50")
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise RowError(f"{column} is not a number") from None


def quantity(value: str, column: str) -> int:
    """A whole number of units; "10.000000" (how some exports write it) is 10."""
    amount = decimal(value, column)
    if amount != amount.to_integral_value():
        raise RowError(f"{column} must be a whole number")
    return int(amount)


def parse_date(value: str, column: str) -> date:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise RowError(f"{column} must be a date as YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY")


def parse_time(value: str, column: str) -> time:
    match = _TIME.match(value)
    if match:
        try:
            return time(int(match[1]), int(match[2]), int(match[3] or 0))
        except ValueError:
            pass
    raise RowError(f"{column} must be a time as HH:MM or HH:MM:SS (IST)")


def parse_datetime(value: str, column: str) -> datetime:
    """ISO date and time ("2024-04-01T09:15:23" or with a space); naive means IST."""
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise RowError(f"{column} must be a date and time as YYYY-MM-DDTHH:MM:SS (IST)") from None


def exchange_of(exchange: str, segment: str, *, exchange_column: str = "exchange") -> Exchange:
    """The exchange a fill belongs to, from an exchange and (optionally) a segment as brokers write them.

    "NSE" with segment "FO" is NFO, "BSE" with "CDS" is BCD, and so on; an exchange that already
    names its segment (NFO, MCX, ...) must agree with the segment given.
    """
    name = exchange.strip().upper()
    seg_name = segment.strip().upper()
    seg: Segment | None = None
    if seg_name:
        if seg_name not in _SEGMENTS:
            raise RowError(f"segment {seg_name[:10]!r} is not one of EQ, FO, CDS, COM")
        seg = _SEGMENTS[seg_name]
        if seg is None:
            raise RowError("mutual fund rows are not supported")
    known = _EXCHANGES.get(name)
    if known is not None and (seg is None or SEGMENT_OF_EXCHANGE[known] == seg):
        return known
    if seg is not None and (name, seg) in _DERIVED:
        return _DERIVED[(name, seg)]
    if known is None:
        raise RowError(f"{exchange_column} must be one of {', '.join(SEGMENT_OF_EXCHANGE)}")
    raise RowError(f"{exchange_column} {name} does not trade segment {seg_name}")
