"""Kite v3 records as our broker-neutral types: fills, orders, positions, holdings, profile, charges."""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tradetrack.brokers.base import (
    BrokerFill,
    BrokerHolding,
    BrokerOrder,
    BrokerPosition,
    OrderCharges,
    Side,
)
from tradetrack.brokers.http import (
    Malformed,
    decimal,
    integer,
    obj,
    objects,
    opt_decimal,
    opt_text,
    text,
)
from tradetrack.brokers.wire import holding_details, order_details, transaction_side
from tradetrack.timeutil import IST

CHARGE_PARTS = (
    "transaction_tax",
    "exchange_turnover_charge",
    "sebi_turnover_charge",
    "brokerage",
    "stamp_duty",
)


def _canonical(value: str) -> datetime | None:
    """ "YYYY-MM-DD HH:MM:SS" in ASCII digits, as Kite writes every time, read without strptime
    (~10x faster: a sync reads three per order); None for any other text, which strptime reads."""
    if len(value) != 19 or value[4] != "-" or value[7] != "-" or value[10] != " ":
        return None
    if value[13] != ":" or value[16] != ":" or not value.isascii():
        return None
    digits = value[:4] + value[5:7] + value[8:10] + value[11:13] + value[14:16] + value[17:]
    if not digits.isdigit():
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:  # out of range (a 13th month, a 61st second): strptime's verdict decides
        return None


def ist_time(value: Any, today: date) -> datetime | None:
    """A Kite time ("YYYY-MM-DD HH:MM:SS", IST); a bare "HH:MM:SS" (trades' order_timestamp) is today's."""
    if not isinstance(value, str) or not value:
        return None
    fast = _canonical(value)
    if fast is not None:
        return fast.replace(tzinfo=IST)
    for fmt in ("%Y-%m-%d %H:%M:%S", "%H:%M:%S"):
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        if fmt == "%H:%M:%S":
            parsed = datetime.combine(today, parsed.time())
        return parsed.replace(tzinfo=IST)
    return None


def price_of(record: Mapping[str, Any], name: str) -> Decimal | None:
    """An average price, where Kite's 0 means none yet (an unfilled order, a flat position)."""
    return opt_decimal(record, name) or None


@dataclass(frozen=True)
class KiteProfile:
    user_id: str
    user_name: str | None
    email: str | None
    broker: str | None
    exchanges: tuple[str, ...]
    products: tuple[str, ...]


@dataclass(frozen=True)
class ChargeRequest:
    """One executed order as POST /charges/orders wants it (the virtual contract note)."""

    order_id: str
    exchange: str
    symbol: str
    side: Side
    quantity: int
    average_price: Decimal
    product: str
    variety: str = "regular"
    order_type: str = "MARKET"

    @classmethod
    def of(cls, order: BrokerOrder, *, variety: str = "regular", order_type: str = "MARKET") -> ChargeRequest:
        """An order's charge request: its filled quantity at its average price (it must have filled)."""
        if order.average_price is None or order.filled_quantity <= 0:
            raise ValueError(f"order {order.order_id} has not filled: it has no charges")
        if order.product is None:
            raise ValueError(f"order {order.order_id} has no product: Kite needs it to compute charges")
        return cls(
            order.order_id,
            order.exchange,
            order.symbol,
            order.side,
            order.filled_quantity,
            order.average_price,
            order.product,
            variety,
            order_type,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "exchange": self.exchange,
            "tradingsymbol": self.symbol,
            "transaction_type": self.side,
            "variety": self.variety,
            "product": self.product,
            "order_type": self.order_type,
            "quantity": self.quantity,
            "average_price": self.average_price,
        }


def path_segment(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def fill_of(record: Mapping[str, Any], today: date) -> BrokerFill:
    executed = None
    for name in ("fill_timestamp", "exchange_timestamp", "order_timestamp"):
        executed = ist_time(record.get(name), today)
        if executed is not None:
            break
    if executed is None:
        raise Malformed("a trade has no fill_timestamp, exchange_timestamp or order_timestamp")
    return BrokerFill(
        trade_id=text(record, "trade_id"),
        order_id=text(record, "order_id"),
        symbol=text(record, "tradingsymbol"),
        exchange=text(record, "exchange").upper(),
        side=transaction_side(record),
        quantity=integer(record, "quantity"),
        price=decimal(record, "average_price"),
        executed_at=executed,
        product=opt_text(record, "product"),
    )


def order_of(record: Mapping[str, Any], today: date) -> BrokerOrder:
    filled = integer(record, "filled_quantity") if record.get("filled_quantity") is not None else 0
    return BrokerOrder(
        order_id=text(record, "order_id"),
        status=text(record, "status"),
        symbol=text(record, "tradingsymbol"),
        exchange=text(record, "exchange").upper(),
        side=transaction_side(record),
        quantity=integer(record, "quantity"),
        filled_quantity=filled,
        average_price=price_of(record, "average_price"),
        product=opt_text(record, "product"),
        placed_at=ist_time(record.get("order_timestamp"), today),
        status_message=opt_text(record, "status_message"),
        **order_details(record, lambda value: ist_time(value, today)),
    )


def position_of(record: Mapping[str, Any]) -> BrokerPosition:
    return BrokerPosition(
        symbol=text(record, "tradingsymbol"),
        exchange=text(record, "exchange").upper(),
        product=opt_text(record, "product"),
        quantity=integer(record, "quantity"),
        average_price=price_of(record, "average_price"),
        last_price=opt_decimal(record, "last_price"),
        multiplier=max(1, int(opt_decimal(record, "multiplier") or 1)),
    )


def holding_of(record: Mapping[str, Any]) -> BrokerHolding:
    return BrokerHolding(
        symbol=text(record, "tradingsymbol"),
        exchange=text(record, "exchange").upper(),
        # Settled shares plus yesterday's buys still in T+1 settlement: both are held.
        quantity=integer(record, "quantity")
        + (integer(record, "t1_quantity") if record.get("t1_quantity") else 0),
        average_price=price_of(record, "average_price"),
        last_price=opt_decimal(record, "last_price"),
        isin=opt_text(record, "isin"),
        **holding_details(record),
    )


def charges_of(requests: Sequence[ChargeRequest], data: Any) -> list[OrderCharges]:
    """Kite answers one item per order sent, in the same order, without the order_id: pair by position."""
    items = objects(data, "data")
    if len(items) != len(requests):
        raise Malformed(f"{len(items)} charge items for {len(requests)} orders")
    result: list[OrderCharges] = []
    for request, item in zip(requests, items, strict=True):
        if item.get("tradingsymbol") not in (None, request.symbol):
            raise Malformed(f"charges for {item.get('tradingsymbol')} where {request.symbol} was asked")
        charges = obj(item.get("charges"), "charges")
        breakdown = {part: decimal(charges, part) for part in CHARGE_PARTS if charges.get(part) is not None}
        if charges.get("gst") is not None:
            breakdown["gst"] = decimal(obj(charges["gst"], "gst"), "total")
        result.append(
            OrderCharges(order_id=request.order_id, total=decimal(charges, "total"), breakdown=breakdown)
        )
    return result
