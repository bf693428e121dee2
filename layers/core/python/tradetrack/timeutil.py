"""Time in India: broker times without an offset are IST; we store UTC and show +05:30."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

IST = timezone(timedelta(hours=5, minutes=30), "IST")


def as_utc(moment: datetime) -> datetime:
    """A naive time is IST (every Indian broker's convention); an aware one is converted."""
    aware = moment.replace(tzinfo=IST) if moment.tzinfo is None else moment
    return aware.astimezone(UTC)


IST_OFFSET = timedelta(hours=5, minutes=30)


def ist_date(moment: datetime) -> date:
    """The IST calendar day of a moment (naive: IST already). Hot in FIFO and charges: UTC and IST
    times take a shortcut around the time-zone machinery."""
    zone = moment.tzinfo
    if zone is UTC:
        return (moment + IST_OFFSET).date()
    if zone is IST or zone is None:
        return moment.date()
    return as_utc(moment).astimezone(IST).date()


def today_ist() -> date:
    return datetime.now(UTC).astimezone(IST).date()


def ist_day_start(day: date) -> datetime:
    """00:00 IST of a day: when a corporate action's ex-date or a lot's acquisition date begins."""
    return datetime.combine(day, time(0), IST)


def to_ist(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(IST)


def scheduled_time(event: Mapping[str, Any]) -> datetime:
    """When an EventBridge rule fired (its event's `time`), so a late or repeated invocation acts as
    of then; now when the event has none (an invocation by hand)."""
    fired = str(event.get("time") or "")
    return datetime.fromisoformat(fired.replace("Z", "+00:00")) if fired else datetime.now(UTC)
