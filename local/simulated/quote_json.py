"""GET /quote, /quote/ltp and /quote/ohlc entries of one simulated symbol at a moment."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from local.simulated.clock import at_second
from local.simulated.determinism import seeded_rng
from local.simulated.kite_json import kite_time
from local.simulated.market import SimulatedMarket
from local.simulated.rounding import num, to_tick
from local.simulated.universe import OPEN_S, instrument_token
from tradetrack.market.providers.simulated import TICK


def ltp_json(market: SimulatedMarket, symbol: str, now: datetime) -> dict[str, Any]:
    """One entry of GET /quote/ltp."""
    return {
        "instrument_token": instrument_token(symbol),
        "last_price": num(market.price(symbol, now)),
    }


def ohlc_json(market: SimulatedMarket, symbol: str, now: datetime) -> dict[str, Any]:
    """One entry of GET /quote/ohlc."""
    opening, high, low, close = market.ohlc(symbol, now)
    return {
        "instrument_token": instrument_token(symbol),
        "last_price": num(market.price(symbol, now)),
        "ohlc": {"open": num(opening), "high": num(high), "low": num(low), "close": num(close)},
    }


def quote_json(market: SimulatedMarket, seed: int, symbol: str, now: datetime) -> dict[str, Any]:
    """One entry of GET /quote: the full quote, with a five-level order book around the last price."""
    opening, high, low, close = market.ohlc(symbol, now)
    last = market.price(symbol, now)
    session, seconds = market.session(now)
    rng = seeded_rng(seed, symbol, kite_time(now), "depth")
    buy = [
        {
            "price": num(last - TICK * (level + 1)),
            "quantity": rng.randint(1, 2000),
            "orders": rng.randint(1, 25),
        }
        for level in range(5)
    ]
    sell = [
        {
            "price": num(last + TICK * level),
            "quantity": rng.randint(1, 2000),
            "orders": rng.randint(1, 25),
        }
        for level in range(5)
    ]
    if " " in symbol:  # an index has no order book
        buy = sell = [{"price": 0, "quantity": 0, "orders": 0} for _ in range(5)]
    last_trade = at_second(session, max(OPEN_S, seconds - rng.randint(0, 3)))
    return {
        "instrument_token": instrument_token(symbol),
        "timestamp": kite_time(now),
        "last_trade_time": kite_time(last_trade),
        "last_price": num(last),
        "last_quantity": rng.randint(1, 100),
        "buy_quantity": sum(int(level["quantity"]) for level in buy),
        "sell_quantity": sum(int(level["quantity"]) for level in sell),
        "volume": market.volume(symbol, now),
        "average_price": num(to_tick((opening + high + low + last) / 4)),
        "oi": 0,
        "oi_day_high": 0,
        "oi_day_low": 0,
        "net_change": num(last - close),
        "lower_circuit_limit": num(to_tick(close * Decimal("0.8"))),
        "upper_circuit_limit": num(to_tick(close * Decimal("1.2"))),
        "ohlc": {"open": num(opening), "high": num(high), "low": num(low), "close": num(close)},
        "depth": {"buy": buy, "sell": sell},
    }
