"""Orders before they have ids: the MIS round trips, CNC lots, cancelled and rejected orders of a day.

Each plan draws from the caller's generator in a fixed order, so the same generator gives the same plans.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from local.simulated.market import SimulatedMarket
from local.simulated.records import Outcome
from local.simulated.rounding import money, to_tick
from local.simulated.universe import CLOSE_S, OPEN_S, SQUARE_OFF_S, TRADABLE
from tradetrack.brokers.base import Side
from tradetrack.market.providers.simulated import TICK


@dataclass(frozen=True)
class Plan:
    """An order before it has ids: seconds are of the day, IST."""

    symbol: str
    side: Side
    product: str
    order_type: str
    quantity: int
    price: Decimal
    placed_s: int
    outcome: Outcome
    ended_s: int
    fills: tuple[tuple[int, Decimal, int], ...] = ()  # (quantity, price, second)
    status_message: str | None = None
    status_message_raw: str | None = None


@dataclass(frozen=True)
class Lot:
    key: str
    symbol: str
    quantity: int
    price: Decimal
    bought_on: date
    sell_on: date
    buy: Plan


@dataclass(frozen=True)
class CoreHolding:
    symbol: str
    quantity: int
    average_price: Decimal


def quantity_worth(rng: random.Random, price: Decimal, low: float, high: float) -> int:
    """A round quantity worth between `low` and `high` rupees (log-uniform), at least one share."""
    raw = math.exp(rng.uniform(math.log(low), math.log(high))) / float(price)
    step = 50 if raw >= 500 else 10 if raw >= 100 else 5 if raw >= 20 else 1
    return max(1, round(raw / step) * step)


def opposite(side: Side) -> Side:
    return "SELL" if side == "BUY" else "BUY"


def plan_order(
    market: SimulatedMarket,
    rng: random.Random,
    day: date,
    symbol: str,
    side: Side,
    product: str,
    quantity: int,
    placed_s: int,
    latest_s: int,
) -> Plan:
    """An order that fills completely, in one to three trades, by `latest_s`."""
    placed_s = min(placed_s, latest_s)
    price = market.price_at(symbol, day, placed_s)
    adverse = 1 if side == "BUY" else -1
    if rng.random() < 0.5:
        order_type, limit, first_s, spread = "MARKET", Decimal(0), placed_s + rng.randint(0, 2), 3
        fill_price = to_tick(market.price_at(symbol, day, first_s) + adverse * rng.randint(0, 1) * TICK)
    else:
        order_type, first_s, spread = "LIMIT", placed_s + rng.randint(1, 300), 90
        limit = fill_price = to_tick(price - adverse * rng.randint(0, 2) * TICK)
    parts = min(quantity, rng.choices((1, 2, 3), weights=(70, 20, 10))[0])
    cuts = sorted(rng.sample(range(1, quantity), parts - 1)) if parts > 1 else []
    sizes = [b - a for a, b in zip([0, *cuts], [*cuts, quantity], strict=True)]
    fills: list[tuple[int, Decimal, int]] = []
    second = min(first_s, latest_s)
    for size in sizes:
        fills.append((size, fill_price, second))
        second = min(second + rng.randint(1, spread), latest_s)
    return Plan(
        symbol,
        side,
        product,
        order_type,
        quantity,
        limit,
        placed_s,
        "COMPLETE",
        fills[-1][2],
        tuple(fills),
    )


def plan_round_trip(market: SimulatedMarket, rng: random.Random, day: date) -> list[Plan]:
    """An MIS trade, long or short, opened and squared off the same day by 15:20."""
    symbol = rng.choice(TRADABLE)
    side: Side = "BUY" if rng.random() < 0.6 else "SELL"
    first_hour = rng.random() < 0.4
    entry_s = (
        rng.randint(OPEN_S, OPEN_S + 3600) if first_hour else rng.randint(OPEN_S + 3600, 14 * 3600 + 45 * 60)
    )
    quantity = quantity_worth(rng, market.price_at(symbol, day, entry_s), 10_000, 300_000)
    entry = plan_order(market, rng, day, symbol, side, "MIS", quantity, entry_s, SQUARE_OFF_S - 900)
    exit_s = min(entry.ended_s + rng.randint(120, 3 * 3600), SQUARE_OFF_S - 120)
    exit_ = plan_order(
        market,
        rng,
        day,
        symbol,
        opposite(side),
        "MIS",
        quantity,
        max(exit_s, entry.ended_s + 30),
        SQUARE_OFF_S,
    )
    return [entry, exit_]


def plan_cancelled(market: SimulatedMarket, rng: random.Random, day: date) -> Plan:
    """A limit order away from the market, cancelled before it fills."""
    symbol = rng.choice(TRADABLE)
    side: Side = rng.choice(("BUY", "SELL"))
    product = rng.choice(("MIS", "CNC"))
    last_s = SQUARE_OFF_S - 300 if product == "MIS" else CLOSE_S - 300
    placed_s = rng.randint(OPEN_S, last_s)
    price = market.price_at(symbol, day, placed_s)
    away = Decimal(rng.randint(10, 30)) / 1000
    limit = to_tick(price * (1 - away) if side == "BUY" else price * (1 + away))
    cancelled_s = min(placed_s + rng.randint(30, 3600), SQUARE_OFF_S if product == "MIS" else CLOSE_S - 1)
    quantity = quantity_worth(rng, price, 10_000, 200_000)
    return Plan(symbol, side, product, "LIMIT", quantity, limit, placed_s, "CANCELLED", cancelled_s)


def plan_rejected(market: SimulatedMarket, rng: random.Random, day: date, user_id: str) -> Plan:
    """A buy the broker's risk checks reject: short of margin, or priced beyond the upper circuit."""
    symbol = rng.choice(TRADABLE)
    side: Side = "BUY"
    product = rng.choice(("MIS", "CNC"))
    placed_s = rng.randint(OPEN_S, CLOSE_S - 600)
    price = market.price_at(symbol, day, placed_s)
    quantity = quantity_worth(rng, price, 200_000, 2_000_000)
    if rng.random() < 0.6:
        limit = to_tick(price)
        required = money(limit * quantity / (5 if product == "MIS" else 1))
        available = money(required * Decimal(rng.randint(20, 90)) / 100)
        message = (
            f"Insufficient funds. Required margin is {required} but available margin is {available}. "
            "Check the orderbook for open orders."
        )
        raw = (
            f"RMS:Margin Exceeds,Required:{required}, Available:{available} for entity account-{user_id} "
            "across exchange across segment across product "
        )
    else:
        upper = to_tick(market.previous_close(symbol, day) * Decimal("1.2"))
        limit = to_tick(upper + TICK * rng.randint(1, 40))
        message = (
            f"Your order price is higher than the current upper circuit limit of {upper}. "
            "Place an order within the daily range."
        )
        raw = f"RMS:Price is beyond the upper circuit limit of {upper} for entity account-{user_id}"
    return Plan(
        symbol, side, product, "LIMIT", quantity, limit, placed_s, "REJECTED", placed_s, (), message, raw
    )
