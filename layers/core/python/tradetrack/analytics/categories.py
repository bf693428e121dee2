"""Trade categories (ARCHITECTURE.md flow 2): intraday, swing, long-term; F&O by segment."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from tradetrack.analytics.fifo import INTRADAY_PRODUCTS, Trade
from tradetrack.timeutil import ist_date

Category = Literal["intraday", "swing", "long_term"]
CATEGORIES: tuple[Category, ...] = ("intraday", "swing", "long_term")
__all__ = ["INTRADAY_PRODUCTS", "categorize", "holding_days"]
FNO_SEGMENTS = frozenset({"FO", "CDS", "COM"})
DEFAULT_SWING_DAYS = 30


def holding_days(trade: Trade, as_of: datetime) -> int:
    """Calendar days from the IST day it opened to the IST day it closed (or `as_of`)."""
    return (ist_date(trade.closed_at or as_of) - ist_date(trade.opened_at)).days


def categorize(trade: Trade, *, as_of: datetime, swing_days: int = DEFAULT_SWING_DAYS) -> Category:
    """Intraday: the intraday book (an intraday product, or same-day netted delivery fills), or
    opened and closed the same IST day. Swing: closed (or held so far) within `swing_days`.
    Long-term: longer."""
    if trade.book == "intraday" or trade.products & INTRADAY_PRODUCTS:
        return "intraday"
    if trade.closed_at is not None and ist_date(trade.closed_at) == ist_date(trade.opened_at):
        return "intraday"
    return "swing" if holding_days(trade, as_of) <= swing_days else "long_term"
