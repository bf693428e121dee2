"""Kite-like ids for a day's plans: order ids YYMMDD + 9 digits growing with the time placed, trade ids
YYMMDD + second of the fill + 5 digits (unique per user and day by construction)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from local.simulated.clock import at_second
from local.simulated.determinism import hash_int
from local.simulated.plans import Plan
from local.simulated.records import SimFill, SimOrder


def assign_ids(seed: int, user_id: str, day: date, plans: Iterable[Plan]) -> tuple[SimOrder, ...]:
    """The orders of `plans`, in their order, with their fills, ids and moments."""
    prefix = day.strftime("%y%m%d")
    order_ids: set[str] = set()
    trade_ids: set[str] = set()
    orders: list[SimOrder] = []
    for index, plan in enumerate(plans):
        order_id = fresh_id(seed, order_ids, prefix, plan.placed_s, 10_000, 9, user_id, day, index)
        exchange_order_id = None
        if plan.outcome != "REJECTED":
            exchange_order_id = f"1{hash_int(seed, user_id, order_id, 'exchange') % 10**15:015d}"
        fills = [
            SimFill(
                trade_id=fresh_id(seed, trade_ids, prefix, second, 100_000, 10, user_id, order_id, number),
                order_id=order_id,
                exchange_order_id=str(exchange_order_id),
                symbol=plan.symbol,
                side=plan.side,
                product=plan.product,
                quantity=quantity,
                price=price,
                at=at_second(day, second),
            )
            for number, (quantity, price, second) in enumerate(plan.fills)
        ]
        orders.append(
            SimOrder(
                order_id=order_id,
                exchange_order_id=exchange_order_id,
                placed_by=user_id,
                symbol=plan.symbol,
                side=plan.side,
                product=plan.product,
                order_type=plan.order_type,
                quantity=plan.quantity,
                price=plan.price,
                placed_at=at_second(day, plan.placed_s),
                outcome=plan.outcome,
                ended_at=at_second(day, plan.ended_s),
                fills=tuple(fills),
                status_message=plan.status_message,
                status_message_raw=plan.status_message_raw,
            )
        )
    return tuple(orders)


def fresh_id(
    seed: int, taken: set[str], prefix: str, second: int, spread: int, width: int, *parts: object
) -> str:
    """prefix + (second * spread + a hash below spread), zero-padded to `width`, not yet in `taken`."""
    salt = 0
    while (
        candidate := f"{prefix}{second * spread + hash_int(seed, *parts, salt) % spread:0{width}d}"
    ) in taken:
        salt += 1
    taken.add(candidate)
    return candidate
