"""A simulated feed over real listings (providers/universe.py): prices are a smooth deterministic
function of (seed, instrument, moment), so every container, and every exchange and alias of one
instrument, sees one price at one moment.

- Only listed instruments are priced: anything else is left out (the quotes route answers 404).
- NSE:INFY and BSE:INFY are one ISIN, NSE:BANKNIFTY and NSE:NIFTY BANK one index: one price.
- A price is a sum of slow and fast waves around the instrument's base level (a few percent over
  weeks, a fraction of a percent within a session), tick size 0.05, moving once a second. In
  market hours it is the price of the moment; outside, the last session's close. The previous
  session's close is the base of change and changePct; open, high and low are the session's
  (high and low sampled every 15 minutes and now).
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from tradetrack.market.calendar import CLOSE, OPEN, is_trading_day, previous_trading_day
from tradetrack.market.providers.universe import Instrument, universe
from tradetrack.market.quote import Quote
from tradetrack.timeutil import IST, to_ist

TICK = Decimal("0.05")

# The NSE instruments the simulated broker trades (local.simulated), with their levels:
# the list's "curated" rows, in list order.
BASE_PRICES: dict[str, Decimal] = universe().curated_nse

# (period in seconds, amplitude as a fraction of the base level)
_WAVES = (
    (97 * 86_400, 0.05),
    (23 * 86_400, 0.025),
    (5 * 86_400, 0.01),
    (31 * 3_600, 0.006),
    (3 * 3_600, 0.003),
    (47 * 60, 0.0015),
    (11 * 60, 0.0008),
    (3 * 60, 0.0004),
)
_SAMPLE_S = 15 * 60
_SESSION_S = 6 * 3600 + 15 * 60  # 09:15-15:30
_TICK_F = 0.05


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=IST)


def session(moment: datetime) -> tuple[date, datetime]:
    """The session a quote at `moment` shows and the moment of it priced: today's once open (capped
    at the close), else the last trading day's close."""
    local = to_ist(moment)
    day = local.date()
    if is_trading_day(day) and local >= _at(day, OPEN):
        return day, min(local, _at(day, CLOSE))
    last = previous_trading_day(day)
    return last, _at(last, CLOSE)


class SimulatedQuotes:
    name = "simulated"
    max_instruments_per_call = 1000

    def __init__(self, *, seed: int = 7, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.seed = seed
        self._clock = clock
        self._phases: dict[str, tuple[float, ...]] = {}
        self._pinned: dict[str, Decimal] = {}
        self._days: dict[tuple[str, date], tuple[Decimal, list[Decimal]]] = {}
        self._lock = threading.Lock()

    def _phase(self, key: str) -> tuple[float, ...]:
        phases = self._phases.get(key)
        if phases is None:
            digest = hashlib.sha256(f"{self.seed}|{key}".encode()).digest()
            phases = tuple(2 * math.pi * digest[i] / 256 for i in range(len(_WAVES)))
            with self._lock:
                self._phases[key] = phases
        return phases

    def price(self, instrument: Instrument, moment: datetime) -> Decimal:
        """The instrument's price at `moment` (whole seconds), on the tick."""
        t = math.floor(moment.timestamp())
        phases = self._phase(instrument.key)
        wave = sum(
            amplitude * math.sin(2 * math.pi * t / period + phase)
            for (period, amplitude), phase in zip(_WAVES, phases, strict=True)
        )
        ticks = max(1, round(float(instrument.base) * (1 + wave) / _TICK_F))  # half to even, as Decimal
        return (Decimal(ticks) * TICK).quantize(Decimal("0.01"))

    def _day(self, instrument: Instrument, day: date) -> tuple[Decimal, list[Decimal]]:
        """(previous close, prices every 15 minutes of the session) of `day`: fixed moments, kept."""
        key = (instrument.key, day)
        found = self._days.get(key)
        if found is None:
            opened = _at(day, OPEN)
            found = (
                self.price(instrument, _at(previous_trading_day(day), CLOSE)),
                [
                    self.price(instrument, opened + timedelta(seconds=s))
                    for s in range(0, _SESSION_S + 1, _SAMPLE_S)
                ],
            )
            with self._lock:
                if len(self._days) > 20_000:
                    self._days.clear()
                self._days[key] = found
        return found

    def quote(self, symbol: str, instrument: Instrument, now: datetime) -> Quote:
        day, at = session(now)
        elapsed = (at - _at(day, OPEN)).total_seconds()
        pinned = self._pinned.get(instrument.key)
        ltp = pinned if pinned is not None else self.price(instrument, at)
        close, samples = self._day(instrument, day)
        seen = samples[: int(elapsed) // _SAMPLE_S + 1]
        return Quote(
            symbol=symbol,
            ltp=ltp,
            ts=at,
            open=seen[0],
            high=max(*seen, ltp),
            low=min(*seen, ltp),
            close=close,
            volume=int(2e8 / float(instrument.base) * (elapsed / _SESSION_S) ** 0.85),
        )

    def set_price(self, symbol: str, ltp: Decimal) -> None:
        """Pin the last price of `symbol`'s instrument (every exchange and alias) at `ltp` (tests and
        demos: move a price through an alert level). Unknown symbols: ValueError."""
        instrument = universe().resolve(symbol)
        if instrument is None:
            raise ValueError(f"{symbol} is not a listed instrument")
        with self._lock:
            self._pinned[instrument.key] = ltp

    def fetch(self, symbols: Sequence[str]) -> dict[str, Quote]:
        """Quotes of the listed symbols at one moment; unlisted ones are left out."""
        now = self._clock()
        listed = universe()
        return {
            symbol: self.quote(symbol, instrument, now)
            for symbol in symbols
            if (instrument := listed.resolve(symbol)) is not None
        }
