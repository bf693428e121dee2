"""GET /portfolio/positions and /portfolio/holdings rows, as Kite gives them, from fills and lots.

Positions hold today's fills only (equity delivery moves to holdings overnight); holdings are the
core plus the CNC lots bought before today and not sold before it (T+1: a lot of the previous trading
day is t1_quantity), with used_quantity what today's CNC sells took.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from local.simulated.market import SimulatedMarket
from local.simulated.plans import CoreHolding, Lot
from local.simulated.records import SimFill
from local.simulated.rounding import money, num
from local.simulated.universe import EXCHANGE, ISINS, instrument_token
from tradetrack.market.calendar import next_trading_day
from tradetrack.timeutil import to_ist


def positions_json(
    market: SimulatedMarket, fills: Iterable[SimFill], now: datetime
) -> dict[str, list[dict[str, Any]]]:
    """GET /portfolio/positions: net and day are the same rows (no equity position is carried)."""
    groups: dict[tuple[str, str], list[SimFill]] = {}
    for fill in fills:
        groups.setdefault((fill.symbol, fill.product), []).append(fill)
    rows = [position_json(market, symbol, product, group, now) for (symbol, product), group in groups.items()]
    return {"net": rows, "day": [dict(row) for row in rows]}


def position_json(
    market: SimulatedMarket, symbol: str, product: str, fills: list[SimFill], now: datetime
) -> dict[str, Any]:
    bought = sum(fill.quantity for fill in fills if fill.side == "BUY")
    sold = sum(fill.quantity for fill in fills if fill.side == "SELL")
    buy_value = sum((fill.price * fill.quantity for fill in fills if fill.side == "BUY"), Decimal(0))
    sell_value = sum((fill.price * fill.quantity for fill in fills if fill.side == "SELL"), Decimal(0))
    buy_price = money(buy_value / bought) if bought else Decimal(0)
    sell_price = money(sell_value / sold) if sold else Decimal(0)
    quantity = bought - sold
    average = buy_price if quantity > 0 else sell_price if quantity < 0 else Decimal(0)
    last = market.price(symbol, now)
    value = sell_value - buy_value
    pnl = value + quantity * last
    return {
        "tradingsymbol": symbol,
        "exchange": EXCHANGE,
        "instrument_token": instrument_token(symbol),
        "product": product,
        "quantity": quantity,
        "overnight_quantity": 0,
        "multiplier": 1,
        "average_price": num(average),
        "close_price": num(market.previous_close(symbol, to_ist(now).date())),
        "last_price": num(last),
        "value": num(value),
        "pnl": num(pnl),
        "m2m": num(pnl),
        "unrealised": num(pnl),
        "realised": 0,
        "buy_quantity": bought,
        "buy_price": num(buy_price),
        "buy_value": num(buy_value),
        "buy_m2m": num(buy_value),
        "sell_quantity": sold,
        "sell_price": num(sell_price),
        "sell_value": num(sell_value),
        "sell_m2m": num(sell_value),
        "day_buy_quantity": bought,
        "day_buy_price": num(buy_price),
        "day_buy_value": num(buy_value),
        "day_sell_quantity": sold,
        "day_sell_price": num(sell_price),
        "day_sell_value": num(sell_value),
    }


def holdings_json(
    market: SimulatedMarket,
    core_holdings: Iterable[CoreHolding],
    recent_lots: Iterable[Lot],
    fills: Iterable[SimFill],
    now: datetime,
) -> list[dict[str, Any]]:
    """GET /portfolio/holdings from the core, the lots bought in the last days and today's fills so far."""
    today = to_ist(now).date()
    settled: dict[str, int] = {}
    unsettled: dict[str, int] = {}
    cost: dict[str, Decimal] = {}
    for core in core_holdings:
        settled[core.symbol] = settled.get(core.symbol, 0) + core.quantity
        cost[core.symbol] = cost.get(core.symbol, Decimal(0)) + core.average_price * core.quantity
    for lot in recent_lots:
        if lot.sell_on < today:
            continue
        bucket = unsettled if today <= next_trading_day(lot.bought_on) else settled
        bucket[lot.symbol] = bucket.get(lot.symbol, 0) + lot.quantity
        cost[lot.symbol] = cost.get(lot.symbol, Decimal(0)) + lot.price * lot.quantity
    used: dict[str, int] = {}
    for fill in fills:
        if fill.product == "CNC" and fill.side == "SELL":
            used[fill.symbol] = used.get(fill.symbol, 0) + fill.quantity
    session, _ = market.session(now)
    rows = []
    for symbol in sorted(cost):
        quantity, t1 = settled.get(symbol, 0), unsettled.get(symbol, 0)
        average = money(cost[symbol] / (quantity + t1))
        last = market.price(symbol, now)
        close = market.previous_close(symbol, session)
        change = last - close
        rows.append(
            {
                "tradingsymbol": symbol,
                "exchange": EXCHANGE,
                "instrument_token": instrument_token(symbol),
                "isin": ISINS.get(symbol, ""),
                "product": "CNC",
                "price": 0,
                "quantity": quantity,
                "used_quantity": used.get(symbol, 0),
                "t1_quantity": t1,
                "realised_quantity": quantity,
                "authorised_quantity": 0,
                "authorised_date": f"{today.isoformat()} 00:00:00",
                "authorisation": {},
                "opening_quantity": quantity + t1,
                "short_quantity": 0,
                "collateral_quantity": 0,
                "collateral_type": "",
                "discrepancy": False,
                "average_price": num(average),
                "last_price": num(last),
                "close_price": num(close),
                "pnl": num(money((last - average) * (quantity + t1))),
                "day_change": num(change),
                "day_change_percentage": float(change / close * 100),
                "mtf": {
                    "quantity": 0,
                    "used_quantity": 0,
                    "average_price": 0,
                    "value": 0,
                    "initial_margin": 0,
                },
            }
        )
    return rows
