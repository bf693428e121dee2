"""Kite v3 JSON of one order (as it stands, or its history) and one trade, and Kite's timestamps."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from local.simulated.records import SimFill, SimOrder
from local.simulated.rounding import money, num
from local.simulated.universe import EXCHANGE, instrument_token
from tradetrack.timeutil import to_ist


def kite_time(moment: datetime) -> str:
    """Kite's timestamps: "YYYY-MM-DD HH:MM:SS" in IST."""
    return to_ist(moment).strftime("%Y-%m-%d %H:%M:%S")


def trade_json(fill: SimFill) -> dict[str, Any]:
    return {
        "trade_id": fill.trade_id,
        "order_id": fill.order_id,
        "exchange": EXCHANGE,
        "tradingsymbol": fill.symbol,
        "instrument_token": instrument_token(fill.symbol),
        "product": fill.product,
        "average_price": num(fill.price),
        "quantity": fill.quantity,
        "exchange_order_id": fill.exchange_order_id,
        "transaction_type": fill.side,
        "fill_timestamp": kite_time(fill.at),
        "order_timestamp": to_ist(fill.at).strftime("%H:%M:%S"),
        "exchange_timestamp": kite_time(fill.at),
    }


def _state(order: SimOrder, status: str, fills: tuple[SimFill, ...], updated: datetime) -> dict[str, Any]:
    filled = sum(fill.quantity for fill in fills)
    average = (
        sum((fill.price * fill.quantity for fill in fills), Decimal(0)) / filled if filled else Decimal(0)
    )
    accepted = order.exchange_order_id is not None and status not in {
        "PUT ORDER REQ RECEIVED",
        "VALIDATION PENDING",
        "OPEN PENDING",
    }
    return {
        "account_id": order.placed_by,
        "placed_by": order.placed_by,
        "order_id": order.order_id,
        "exchange_order_id": order.exchange_order_id if accepted else None,
        "parent_order_id": None,
        "status": status,
        "status_message": order.status_message if status == "REJECTED" else None,
        "status_message_raw": order.status_message_raw if status == "REJECTED" else None,
        "order_timestamp": kite_time(order.placed_at),
        "exchange_update_timestamp": kite_time(updated) if accepted else None,
        "exchange_timestamp": kite_time(order.placed_at) if accepted else None,
        "variety": "regular",
        "modified": False,
        "exchange": EXCHANGE,
        "tradingsymbol": order.symbol,
        "instrument_token": instrument_token(order.symbol),
        "order_type": order.order_type,
        "transaction_type": order.side,
        "validity": "DAY",
        "validity_ttl": 0,
        "product": order.product,
        "quantity": order.quantity,
        "disclosed_quantity": 0,
        "price": num(order.price),
        "trigger_price": 0,
        "average_price": num(money(average)),
        "filled_quantity": filled,
        # As Kite reports them: a cancelled order keeps its pending quantity and shows it cancelled too.
        "pending_quantity": 0 if status in {"COMPLETE", "REJECTED"} else order.quantity - filled,
        "cancelled_quantity": order.quantity - filled if status == "CANCELLED" else 0,
        "market_protection": 0,
        "meta": {},
        "tag": None,
        "guid": None,
    }


def order_json(order: SimOrder, now: datetime) -> dict[str, Any]:
    """One order of GET /orders as it stands at `now`."""
    now = to_ist(now)
    fills = order.fills_by(now)
    status = order.status_at(now)
    updated = order.ended_at if status != "OPEN" else (fills[-1].at if fills else order.placed_at)
    return _state(order, status, fills, updated)


_HISTORY_KEYS = (
    "average_price", "cancelled_quantity", "disclosed_quantity", "exchange", "exchange_order_id",
    "exchange_timestamp", "filled_quantity", "instrument_token", "order_id", "order_timestamp", "order_type",
    "parent_order_id", "pending_quantity", "placed_by", "price", "product", "quantity", "status",
    "status_message", "tag", "tradingsymbol", "transaction_type", "trigger_price", "validity", "variety",
    "modified",
)  # fmt: skip


def order_history_json(order: SimOrder, now: datetime) -> list[dict[str, Any]]:
    """GET /orders/{order_id}: every state the order went through up to `now`, oldest first."""
    now = to_ist(now)
    states: list[tuple[str, tuple[SimFill, ...], datetime]] = [
        (status, (), order.placed_at) for status in ("PUT ORDER REQ RECEIVED", "VALIDATION PENDING")
    ]
    if order.outcome == "REJECTED":
        states.append(("REJECTED", (), order.ended_at))
    else:
        states += [("OPEN PENDING", (), order.placed_at), ("OPEN", (), order.placed_at)]
        done = order.fills_by(now)
        for count in range(1, len(done) + (0 if order.status_at(now) == "COMPLETE" else 1)):
            states.append(("OPEN", done[:count], done[count - 1].at))
        if order.status_at(now) == "COMPLETE":
            states.append(("COMPLETE", done, order.ended_at))
        elif order.status_at(now) == "CANCELLED":
            states += [("CANCEL PENDING", done, order.ended_at), ("CANCELLED", done, order.ended_at)]
    history = []
    for status, fills, updated in states:
        state = _state(order, status, fills, updated)
        history.append({key: state[key] for key in _HISTORY_KEYS})
    return history
