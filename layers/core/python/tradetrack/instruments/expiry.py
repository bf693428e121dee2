"""When a derivative contract expires, from its instrument key (tradetrack.instruments.keys).

- Weekly contracts carry their expiry day in the symbol.
- NSE (NFO) monthly index and stock derivatives expire on the last Thursday of the month, and
  from 1 September 2025 on the last Tuesday (SEBI circular of 26 May 2025; NSE circular of
  17 June 2025: contracts expiring on or after 1 Sep 2025 expire on Tuesday).
- BSE (BFO) monthly contracts: the last Thursday from 1 September 2025 (the same SEBI approval);
  before, the last Tuesday in 2025 and the last Friday earlier.
- An expiry day that is not a trading day moves to the previous trading day (NSE's holiday
  calendar: tradetrack.market.holidays, which lists 2025 onwards).
- Currency (CDS, BCD) monthly contracts expire two working days before the last business day of
  the month (NSE's currency derivatives contract specification: "two working days prior to the
  last business day of the expiry month"; settled in cash at the RBI reference rate).
Commodity (MCX) contracts follow per-commodity calendars: their expiry is not derived here, so an
open position in one is never closed automatically.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from tradetrack.market.calendar import is_trading_day

NSE_TUESDAY_FROM = date(2025, 9, 1)
BSE_TUESDAY_FROM = date(2025, 1, 1)
_TUESDAY, _THURSDAY, _FRIDAY = 1, 3, 4


@dataclass(frozen=True)
class Contract:
    exchange: str
    underlying: str
    expiry: date | None  # None: a monthly contract of an exchange whose rule is not known here
    kind: str  # FUT, CE, PE
    strike: Decimal | None

    def settlement(self, underlying_price: int) -> int:
        """What a unit is worth at expiry, given the underlying's settlement price (scaled):
        a future settles at it, an option at its intrinsic value (0 out of the money)."""
        if self.kind == "FUT" or self.strike is None:
            return underlying_price
        strike = int(self.strike * 10_000)
        return max(0, underlying_price - strike) if self.kind == "CE" else max(0, strike - underlying_price)


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _trading_day_on_or_before(day: date) -> date:
    while not is_trading_day(day):
        day -= timedelta(days=1)
    return day


def monthly_expiry(exchange: str, year: int, month: int) -> date | None:
    if exchange == "NFO":
        thursday = _last_weekday(year, month, _THURSDAY)
        day = thursday if thursday < NSE_TUESDAY_FROM else _last_weekday(year, month, _TUESDAY)
    elif exchange == "BFO":
        thursday = _last_weekday(year, month, _THURSDAY)
        if thursday >= NSE_TUESDAY_FROM:
            day = thursday
        elif date(year, month, 1) >= BSE_TUESDAY_FROM:
            day = _last_weekday(year, month, _TUESDAY)
        else:
            day = _last_weekday(year, month, _FRIDAY)
    elif exchange in ("CDS", "BCD"):
        day = _trading_day_on_or_before(date(year, month, calendar.monthrange(year, month)[1]))
        for _ in range(2):
            day = _trading_day_on_or_before(day - timedelta(days=1))
    else:
        return None
    return _trading_day_on_or_before(day)


def contract_of(instrument: str) -> Contract | None:
    """The contract an instrument key names (`NFO:NIFTY:2024-06-13:CE:22000`, `NFO:NIFTY:2024-06:FUT`);
    None for anything else."""
    parts = instrument.split(":")
    if len(parts) not in (4, 5) or parts[3] not in ("FUT", "CE", "PE"):
        return None
    exchange, underlying, when, kind = parts[:4]
    strike = Decimal(parts[4]) if len(parts) == 5 else None
    try:
        if len(when) == 10:
            expiry: date | None = date.fromisoformat(when)
        else:
            year, month = (int(x) for x in when.split("-"))
            expiry = monthly_expiry(exchange, year, month)
    except ValueError:
        return None
    return Contract(exchange, underlying, expiry, kind, strike)
