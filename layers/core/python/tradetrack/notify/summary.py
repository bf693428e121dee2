"""The daily summary (16:00 IST, Monday to Friday): one daily_summary event per user who wants it.

For each user whose notificationPrefs.types.daily_summary is on and who closed trades that IST
day: the trade count, realized P&L, charges and net P&L (exact sums of the stored scaled
integers) and the best and worst trade by net P&L. NSE holidays are skipped. The event id is
"daily_summary:<userId>:<day>", so running the schedule twice sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from pymongo.database import Database

from tradetrack.db.trades import closed_between
from tradetrack.db.users import USERS
from tradetrack.market.calendar import holiday_name, is_trading_day
from tradetrack.money import money_str
from tradetrack.notify.events import DailySummary, TradeLine
from tradetrack.notify.sender import send_events
from tradetrack.timeutil import IST, ist_date

Document = dict[str, Any]
USER_PAGE = 500


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The IST day as a UTC interval [start, end)."""
    start = datetime.combine(day, time(0, 0), tzinfo=IST).astimezone(UTC)
    return start, start + timedelta(days=1)


def _amount(value: int) -> Decimal:
    return Decimal(money_str(value))


def _line(trade: Document) -> TradeLine:
    return TradeLine(trade_id=trade["_id"], symbol=trade["symbol"], net_pnl=_amount(int(trade["netPnl"])))


def summarize(db: Database[Document], user_id: str, day: date) -> DailySummary | None:
    """The user's day, or None when they closed no trade."""
    trades = closed_between(db, user_id, *day_bounds(day))
    if not trades:
        return None
    ranked = sorted(trades, key=lambda t: (int(t["netPnl"]), t["_id"]))
    return DailySummary(
        type="daily_summary",
        event_id=f"daily_summary:{user_id}:{day.isoformat()}",
        user_id=user_id,
        day=day,
        trade_count=len(trades),
        realized_pnl=_amount(sum(int(t["realizedPnl"]) for t in trades)),
        charges=_amount(sum(int(t["charges"]) for t in trades)),
        net_pnl=_amount(sum(int(t["netPnl"]) for t in trades)),
        best=_line(ranked[-1]),
        worst=_line(ranked[0]),
    )


def users_wanting_summary(db: Database[Document], *, page: int = USER_PAGE) -> Iterator[str]:
    """Ids of users with the daily summary on, read in pages of `page` by _id."""
    after: str | None = None
    while True:
        query: Document = {"notificationPrefs.types.daily_summary": True, "deletedAt": None}
        if after is not None:
            query["_id"] = {"$gt": after}
        ids = [doc["_id"] for doc in db[USERS].find(query, {"_id": 1}).sort("_id", 1).limit(page)]
        yield from ids
        if len(ids) < page:
            return
        after = ids[-1]


def enqueue(sqs: Any, queue_url: str, events: list[DailySummary]) -> None:
    """In envelopes, through the producers' sender; what SQS refused twice raises (the schedule's
    run fails loudly)."""
    send_events(queue_url, events, what="daily summary", sqs=sqs)


@dataclass
class SummaryRun:
    day: date
    skipped: str | None = None  # the holiday's name, or why nothing ran
    users: int = 0
    events: list[DailySummary] = field(default_factory=list)


def run(db: Database[Document], sqs: Any, queue_url: str, now: datetime) -> SummaryRun:
    day = ist_date(now)
    if not is_trading_day(day):
        return SummaryRun(day, skipped=holiday_name(day) or "weekend")
    if not queue_url:
        return SummaryRun(day, skipped="NOTIFICATIONS_QUEUE_URL is not set")
    result = SummaryRun(day)
    for user_id in users_wanting_summary(db):
        result.users += 1
        summary = summarize(db, user_id, day)
        if summary is not None:
            result.events.append(summary)
    enqueue(sqs, queue_url, result.events)
    return result
