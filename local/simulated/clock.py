"""Trading days and moments of a simulated session (IST)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from tradetrack.market.calendar import next_trading_day, previous_trading_day
from tradetrack.timeutil import IST

__all__ = ["at_second", "previous_trading_day", "trading_days_after"]


def trading_days_after(day: date, count: int) -> date:
    for _ in range(count):
        day = next_trading_day(day)
    return day


def at_second(day: date, seconds: int) -> datetime:
    return datetime.combine(day, time(), tzinfo=IST) + timedelta(seconds=seconds)
