"""Trading days and moments of a simulated session (IST)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from tradetrack.market.calendar import is_trading_day, next_trading_day
from tradetrack.timeutil import IST


def previous_trading_day(day: date) -> date:
    """The last trading day strictly before `day`."""
    candidate = day - timedelta(days=1)
    while not is_trading_day(candidate):
        candidate -= timedelta(days=1)
    return candidate


def trading_days_after(day: date, count: int) -> date:
    for _ in range(count):
        day = next_trading_day(day)
    return day


def at_second(day: date, seconds: int) -> datetime:
    return datetime.combine(day, time(), tzinfo=IST) + timedelta(seconds=seconds)
