"""A simulated feed: a random walk around realistic prices, deterministic for a given seed.

Each call moves every requested symbol one step (a few basis points, tick size 0.05); the previous
close is the base price, so change and changePct stay realistic. Symbols outside the list get a
stable base price derived from their name, so any well-formed symbol can be streamed locally.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from tradetrack.market.quote import Quote

TICK = Decimal("0.05")

# Approximate closing levels (INR) of NIFTY 50, NIFTY BANK and liquid NSE stocks.
BASE_PRICES: dict[str, Decimal] = {
    "NSE:NIFTY 50": Decimal("25900.00"),
    "NSE:NIFTY BANK": Decimal("58100.00"),
    "NSE:RELIANCE": Decimal("1485.40"),
    "NSE:TCS": Decimal("3120.50"),
    "NSE:HDFCBANK": Decimal("992.35"),
    "NSE:INFY": Decimal("1545.80"),
    "NSE:ICICIBANK": Decimal("1368.20"),
    "NSE:SBIN": Decimal("948.65"),
    "NSE:BHARTIARTL": Decimal("2065.10"),
    "NSE:ITC": Decimal("405.25"),
    "NSE:HINDUNILVR": Decimal("2448.70"),
    "NSE:KOTAKBANK": Decimal("2112.40"),
    "NSE:LT": Decimal("3955.00"),
    "NSE:AXISBANK": Decimal("1248.90"),
    "NSE:BAJFINANCE": Decimal("1012.55"),
    "NSE:MARUTI": Decimal("15980.00"),
    "NSE:SUNPHARMA": Decimal("1752.30"),
    "NSE:HCLTECH": Decimal("1598.45"),
    "NSE:WIPRO": Decimal("246.10"),
    "NSE:ASIANPAINT": Decimal("2815.60"),
    "NSE:TITAN": Decimal("3790.25"),
    "NSE:NTPC": Decimal("331.40"),
    "NSE:TATASTEEL": Decimal("171.85"),
    "NSE:M&M": Decimal("3612.00"),
}


def _to_tick(value: Decimal) -> Decimal:
    return ((value / TICK).quantize(Decimal(1), rounding=ROUND_HALF_EVEN) * TICK).quantize(Decimal("0.01"))


def _base_for(symbol: str) -> Decimal:
    if symbol in BASE_PRICES:
        return BASE_PRICES[symbol]
    digest = int.from_bytes(hashlib.sha256(symbol.encode()).digest()[:4], "big")
    return _to_tick(Decimal(100 + digest % 4900))


@dataclass
class _State:
    close: Decimal
    open: Decimal
    high: Decimal
    low: Decimal
    ltp: Decimal
    volume: int


class SimulatedQuotes:
    name = "simulated"
    max_instruments_per_call = 1000

    def __init__(self, *, seed: int = 7, step_bps: int = 8) -> None:
        self._rng = random.Random(seed)  # noqa: S311 - a price simulation, not cryptography
        self._step = Decimal(step_bps) / Decimal(10_000)
        self._states: dict[str, _State] = {}
        self._lock = threading.Lock()

    def _state(self, symbol: str) -> _State:
        state = self._states.get(symbol)
        if state is None:
            close = _base_for(symbol)
            opening = _to_tick(close * (1 + Decimal(self._rng.uniform(-0.004, 0.004))))
            state = _State(close, opening, opening, opening, opening, self._rng.randint(10_000, 500_000))
            self._states[symbol] = state
        return state

    def step(self, symbol: str) -> Quote:
        with self._lock:
            state = self._state(symbol)
            move = Decimal(self._rng.gauss(0.0, 1.0)).quantize(Decimal("0.0001")) * self._step
            state.ltp = max(TICK, _to_tick(state.ltp * (1 + move)))
            state.high = max(state.high, state.ltp)
            state.low = min(state.low, state.ltp)
            state.volume += self._rng.randint(100, 5_000)
            return Quote(
                symbol=symbol,
                ltp=state.ltp,
                ts=datetime.now(UTC),
                open=state.open,
                high=state.high,
                low=state.low,
                close=state.close,
                volume=state.volume,
            )

    def set_price(self, symbol: str, ltp: Decimal) -> None:
        """Put the walk of `symbol` at `ltp` (tests and demos: move a price through an alert level)."""
        with self._lock:
            state = self._state(symbol)
            state.ltp = state.high = state.low = ltp

    def fetch(self, symbols: Sequence[str]) -> dict[str, Quote]:
        return {symbol: self.step(symbol) for symbol in symbols}
