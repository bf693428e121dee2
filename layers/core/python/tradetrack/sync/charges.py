"""Exact fees from the broker's charges API (Kite POST /charges/orders), spread over the fills.

An order qualifies when it is COMPLETE and every one of its fills is new in this sync: its charges
are then the whole order's, and each fill takes its share by quantity (exact to 0.0001 INR, the
remainder on the last fill): their fees are given. Other fills keep their fees omitted (None, not 0)
and the analytics charge schedule estimates them. A failing charges call never fails the sync: the
fills go on as they came, fees omitted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from tradetrack.brokers.base import BrokerError, BrokerOrder, OrderCharges
from tradetrack.models.executions import MAX_PRICE, ExecutionIn
from tradetrack.observability import logger

UNIT = Decimal("0.0001")


def eligible_orders(orders: Sequence[BrokerOrder], new: Sequence[ExecutionIn]) -> list[BrokerOrder]:
    filled: dict[str, int] = defaultdict(int)
    for item in new:
        if item.order_id:
            filled[item.order_id] += item.quantity
    return [
        order
        for order in orders
        if order.status.upper() == "COMPLETE"
        and order.product
        and order.average_price is not None
        and order.filled_quantity > 0
        and filled.get(order.order_id) == order.filled_quantity
    ]


def spread(total: Decimal, fills: Sequence[ExecutionIn]) -> list[ExecutionIn]:
    """The fills with `total` (rounded to 0.0001 INR, our money unit) shared by quantity; a share
    the fills cannot hold (ExecutionIn's Fees: 0 to MAX_PRICE, 4 decimals, which every share has)
    raises ValueError. Only `fees` changes, so the fills are copied, not validated again (a model
    dump and validation per fill cost more than the rest of the sync's fill handling)."""
    total = total.quantize(UNIT, rounding=ROUND_HALF_UP)
    quantity = sum(item.quantity for item in fills)
    shares = [(total * item.quantity / quantity).quantize(UNIT, rounding=ROUND_DOWN) for item in fills]
    shares[-1] = total - sum(shares[:-1], Decimal(0))
    for share in shares:
        if not 0 <= share <= MAX_PRICE:
            raise ValueError(f"a fill's share of the charges, {share}, is outside 0 to {MAX_PRICE}")
    return [item.model_copy(update={"fees": share}) for item, share in zip(fills, shares, strict=True)]


def with_exact_fees(client: Any, orders: Sequence[BrokerOrder], new: list[ExecutionIn]) -> list[ExecutionIn]:
    """`new` with fees from the broker where it can tell them (clients without order_charges: as is)."""
    order_charges = getattr(client, "order_charges", None)
    if order_charges is None or not new:
        return new
    qualifying = eligible_orders(orders, new)
    if not qualifying:
        return new
    try:
        charges: list[OrderCharges] = order_charges(qualifying)
    except (BrokerError, ValueError) as exc:
        logger.warning("exact charges unavailable; fills keep fees omitted", extra={"error": str(exc)})
        return new
    totals = {c.order_id: c.total for c in charges if c.total >= 0}
    by_order: dict[str, list[ExecutionIn]] = defaultdict(list)
    for item in new:
        by_order[item.order_id or ""].append(item)
    result: list[ExecutionIn] = []
    for order_id, fills in by_order.items():
        try:
            result.extend(spread(totals[order_id], fills) if order_id in totals else fills)
        except ValueError as exc:  # pydantic's ValidationError included
            logger.warning(
                "broker charges not usable; fills keep fees omitted",
                extra={"orderId": order_id, "error": str(exc)},
            )
            result.extend(fills)
    return result
