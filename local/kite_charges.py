"""POST /charges/orders of the simulated Kite server: the request's orders checked, each with its charges."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from local.kite_errors import KiteError
from local.simulated import order_charges


def decimal_json(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


def contract_note(order: Any) -> dict[str, Any]:
    """One entry of POST /charges/orders for one order of the request."""
    if not isinstance(order, dict):
        raise KiteError(400, "InputException", "Each order must be a JSON object.")
    text = {
        name: order.get(name) for name in ("exchange", "tradingsymbol", "variety", "product", "order_type")
    }
    for name, value in text.items():
        if not isinstance(value, str) or not value:
            raise KiteError(400, "InputException", f"Invalid `{name}`.")
    side, quantity, price = order.get("transaction_type"), order.get("quantity"), order.get("average_price")
    if side not in {"BUY", "SELL"}:
        raise KiteError(400, "InputException", "Invalid `transaction_type`.")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise KiteError(400, "InputException", "Invalid `quantity`.")
    if isinstance(price, bool) or not isinstance(price, int | Decimal) or price < 0:
        raise KiteError(400, "InputException", "Invalid `average_price`.")
    charges = order_charges(
        exchange=str(text["exchange"]),
        product=str(text["product"]),
        side=side,
        quantity=quantity,
        price=Decimal(price),
    )
    return {
        "transaction_type": side,
        "tradingsymbol": text["tradingsymbol"],
        "exchange": text["exchange"],
        "variety": text["variety"],
        "product": text["product"],
        "order_type": text["order_type"],
        "quantity": quantity,
        "price": float(price),
        "charges": charges,
    }
