"""NSE equity sessions in IST: pre-open 09:00–09:08, normal 09:15–15:30, Monday to Friday, not on holidays.

Between 09:08 and 09:15 (order matching after pre-open) and after 15:30 the market counts as closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from tradetrack.market.holidays import NSE_HOLIDAYS
from tradetrack.timeutil import IST, to_ist

MarketState = Literal["open", "closed", "pre_open"]

PRE_OPEN_START = time(9, 0)
PRE_OPEN_END = time(9, 8)
OPEN = time(9, 15)
CLOSE = time(15, 30)


@dataclass(frozen=True)
class MarketStatus:
    status: MarketState
    next_open: datetime  # the next start of the normal session (IST), never now
    next_close: datetime  # the end of the current normal session, else of the next one
    holiday: str | None  # the holiday today (IST), if any


def holiday_name(day: date) -> str | None:
    return NSE_HOLIDAYS.get(day)


def is_trading_day(day: date) -> bool:
    return day.weekday() < 5 and day not in NSE_HOLIDAYS


def next_trading_day(day: date) -> date:
    """The first trading day strictly after `day`."""
    candidate = day + timedelta(days=1)
    while not is_trading_day(candidate):
        candidate += timedelta(days=1)
    return candidate


def previous_trading_day(day: date) -> date:
    """The last trading day strictly before `day`."""
    candidate = day - timedelta(days=1)
    while not is_trading_day(candidate):
        candidate -= timedelta(days=1)
    return candidate


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=IST)


def market_status(moment: datetime) -> MarketStatus:
    """The NSE equity market at `moment` (naive means IST, as everywhere in TradeTrack)."""
    now = to_ist(moment)
    today = now.date()
    clock = now.timetz().replace(tzinfo=None)
    trading = is_trading_day(today)
    status: MarketState = "closed"
    if trading and OPEN <= clock < CLOSE:
        status = "open"
    elif trading and PRE_OPEN_START <= clock < PRE_OPEN_END:
        status = "pre_open"
    opens_today = trading and clock < OPEN
    open_day = today if opens_today else next_trading_day(today)
    close_day = today if trading and clock < CLOSE else open_day
    return MarketStatus(
        status=status,
        next_open=_at(open_day, OPEN),
        next_close=_at(close_day, CLOSE),
        holiday=holiday_name(today),
    )


def is_market_open(moment: datetime) -> bool:
    return market_status(moment).status == "open"
