"""The price model shared by every simulated user: a smooth daily path around BASE_PRICES, tick 0.05."""

from __future__ import annotations

import math
import threading
from datetime import date, datetime
from decimal import Decimal

from local.simulated.clock import previous_trading_day
from local.simulated.determinism import hash_unit
from local.simulated.rounding import to_tick
from local.simulated.universe import CLOSE_S, EXCHANGE, OPEN_S, SESSION_S
from tradetrack.market.calendar import is_trading_day
from tradetrack.market.providers.simulated import BASE_PRICES
from tradetrack.timeutil import to_ist

_EPOCH = date(2020, 1, 1)


class SimulatedMarket:
    """Prices of the NSE symbols of BASE_PRICES (trading symbols: INFY, NIFTY 50) on any day and time.

    A day's close drifts around the base price (two slow waves and a little noise, ~1% a day); the
    session goes from the open (a small gap from the previous close) to the close along a wiggly path.
    """

    _WAVES = (1, 2, 3, 5, 8, 13, 21, 34, 55)

    def __init__(self, seed: int = 7) -> None:
        self.seed = seed
        self._paths: dict[tuple[str, date], tuple[float, float, tuple[float, ...]]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def knows(symbol: str) -> bool:
        return f"{EXCHANGE}:{symbol}" in BASE_PRICES

    def _base(self, symbol: str) -> float:
        return float(BASE_PRICES[f"{EXCHANGE}:{symbol}"])

    def close(self, symbol: str, day: date) -> Decimal:
        """The closing price of `day` (a trading day)."""
        d = (day - _EPOCH).days
        drift = (
            0.05 * math.sin(2 * math.pi * d / 97 + math.pi * hash_unit(self.seed, symbol, "phase", 1))
            + 0.025 * math.sin(2 * math.pi * d / 23 + math.pi * hash_unit(self.seed, symbol, "phase", 2))
            + 0.006 * hash_unit(self.seed, symbol, day, "close")
        )
        return to_tick(self._base(symbol) * (1 + drift))

    def previous_close(self, symbol: str, day: date) -> Decimal:
        return self.close(symbol, previous_trading_day(day))

    def open(self, symbol: str, day: date) -> Decimal:
        return to_tick(
            self.previous_close(symbol, day) * Decimal(1 + 0.004 * hash_unit(self.seed, symbol, day, "gap"))
        )

    def _path(self, symbol: str, day: date) -> tuple[float, float, tuple[float, ...]]:
        key = (symbol, day)
        with self._lock:
            path = self._paths.get(key)
        if path is None:
            coefficients = tuple(hash_unit(self.seed, symbol, day, "wave", k) / k**0.6 for k in self._WAVES)
            path = (float(self.open(symbol, day)), float(self.close(symbol, day)), coefficients)
            with self._lock:
                if len(self._paths) > 20_000:
                    self._paths.clear()
                self._paths[key] = path
        return path

    def price_at(self, symbol: str, day: date, seconds: int) -> Decimal:
        """The last price at `seconds` of the day (IST) on trading day `day`."""
        if seconds <= OPEN_S:
            return self.open(symbol, day)
        if seconds >= CLOSE_S:
            return self.close(symbol, day)
        return self._price_x(symbol, day, (seconds - OPEN_S) / SESSION_S)

    def _price_x(self, symbol: str, day: date, x: float) -> Decimal:
        opening, closing, coefficients = self._path(symbol, day)
        wiggle = sum(c * math.sin(k * math.pi * x) for c, k in zip(coefficients, self._WAVES, strict=True))
        return to_tick(opening + (closing - opening) * x + opening * 0.004 * wiggle)

    @staticmethod
    def session(moment: datetime) -> tuple[date, int]:
        """The session a quote at `moment` shows, and the seconds of it that have passed (capped at the
        close): today's once open, else the last trading day's, whole."""
        local = to_ist(moment)
        day = local.date()
        seconds = local.hour * 3600 + local.minute * 60 + local.second
        if is_trading_day(day) and seconds >= OPEN_S:
            return day, min(seconds, CLOSE_S)
        return previous_trading_day(day), CLOSE_S

    def price(self, symbol: str, moment: datetime) -> Decimal:
        day, seconds = self.session(moment)
        return self.price_at(symbol, day, seconds)

    def ohlc(self, symbol: str, moment: datetime) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """Open, high and low of the session so far, and the previous close (Kite's ohlc.close)."""
        day, seconds = self.session(moment)
        minutes = (seconds - OPEN_S) // 60
        prices = [self.price_at(symbol, day, OPEN_S + 60 * m) for m in range(minutes + 1)]
        prices.append(self.price_at(symbol, day, seconds))
        return self.open(symbol, day), max(prices), min(prices), self.previous_close(symbol, day)

    def volume(self, symbol: str, moment: datetime) -> int:
        day, seconds = self.session(moment)
        turnover = 2e9 * (1 + 9 * (hash_unit(self.seed, symbol, day, "turnover") + 1) / 2)  # ₹200-2000 crore
        full_day = turnover / float(self.close(symbol, day))
        return int(full_day * ((seconds - OPEN_S) / SESSION_S) ** 0.85)
