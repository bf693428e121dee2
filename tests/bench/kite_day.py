"""The busy Kite trading day the sync bench serves every account (tests/bench/test_sync_bench.py):
its payloads, the broker's contract notes for its orders, and the fees each fill must be stored with."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from local.kite_charges import contract_note, decimal_json
from local.kite_errors import KiteError
from local.simulated import order_charges
from tests.support.broker_stub import Reply, Request
from tradetrack.money import to_scaled

SYMBOLS = ("INFY", "TCS", "SBIN", "RELIANCE", "ITC")


def kite_day(fills: int) -> dict[str, Any]:
    """A day of Kite payloads: `fills` fills over five symbols (buy then sell, MIS), their orders,
    the net positions they leave, and no holdings."""
    trades, orders, net = [], [], dict.fromkeys(SYMBOLS, 0)
    start = datetime(2026, 11, 20, 9, 20)
    for i in range(fills):
        symbol = SYMBOLS[i % len(SYMBOLS)]
        side = "BUY" if (i // len(SYMBOLS)) % 2 == 0 else "SELL"
        stamp = (start + timedelta(minutes=3 * i)).strftime("%Y-%m-%d %H:%M:%S")
        price = Decimal("1000.05") + i
        quantity = 10 + i % 3
        net[symbol] += quantity if side == "BUY" else -quantity
        order_id = f"2611200000{i:05d}"
        trades.append(
            {
                "trade_id": f"{i + 1:08d}",
                "order_id": order_id,
                "exchange": "NSE",
                "tradingsymbol": symbol,
                "instrument_token": 408065,
                "product": "MIS",
                "average_price": price,
                "quantity": quantity,
                "exchange_order_id": f"1{i:015d}",
                "transaction_type": side,
                "fill_timestamp": stamp,
                "order_timestamp": stamp,
                "exchange_timestamp": stamp,
            }
        )
        orders.append(
            {
                "order_id": order_id,
                "status": "COMPLETE",
                "tradingsymbol": symbol,
                "exchange": "NSE",
                "transaction_type": side,
                "quantity": quantity,
                "filled_quantity": quantity,
                "pending_quantity": 0,
                "cancelled_quantity": 0,
                "average_price": price,
                "price": 0,
                "product": "MIS",
                "variety": "regular",
                "order_type": "MARKET",
                "order_timestamp": stamp,
                "exchange_timestamp": stamp,
                "status_message": None,
            }
        )
    positions = [
        {
            "tradingsymbol": s,
            "exchange": "NSE",
            "product": "MIS",
            "quantity": q,
            "average_price": 1000,
            "last_price": 1001,
            "overnight_quantity": 0,
        }
        for s, q in net.items()
    ]
    return {
        "/trades": {"status": "success", "data": trades},
        "/orders": {"status": "success", "data": orders},
        "/portfolio/positions": {"status": "success", "data": {"net": positions, "day": positions}},
        # an intraday account holds nothing overnight; every sync reads (and stores) its holdings
        "/portfolio/holdings": {"status": "success", "data": []},
    }


def contract_notes(request: Request) -> Reply:
    """POST /charges/orders as the simulated Kite server answers it (local/broker_server.py)."""
    return _contract_notes(request.body)


@functools.cache
def _contract_notes(body: bytes) -> Reply:
    """The reply to a charges request's body, computed and encoded once a body: every account of
    the bench asks for the same day's orders, and the broker's work is not this pipeline's (the
    stub runs on the same cores)."""
    try:
        orders = decimal_json(body.decode())
        if not isinstance(orders, list) or not orders:
            raise KiteError(400, "InputException", "The body must be a JSON list of orders.")
        return Reply(body={"status": "success", "data": [contract_note(order) for order in orders]})
    except (ValueError, KiteError) as error:
        status, kind = (
            (error.status, error.error_type) if isinstance(error, KiteError) else (400, "InputException")
        )
        return Reply(status, {"status": "error", "message": str(error), "error_type": kind})


def charged_fees(day: dict[str, Any]) -> dict[str, int]:
    """The fees (scaled, as stored) of each fill of `day` by order id: its order's whole charges
    (one fill an order), Kite's total rounded to 0.0001 INR as tradetrack/sync/charges.py does."""
    fees = {}
    for trade in day["/trades"]["data"]:
        total = order_charges(
            exchange=trade["exchange"],
            product=trade["product"],
            side=trade["transaction_type"],
            quantity=trade["quantity"],
            price=trade["average_price"],
        )["total"]
        fees[trade["order_id"]] = to_scaled(
            Decimal(repr(total)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        )
    return fees
