"""EventBridge schedule expressions and their next fire times (pure functions, UTC).

Supported: `rate(N minute|minutes|hour|hours|day|days)` and six-field
`cron(minutes hours day-of-month month day-of-week year)` with numbers, `*`, `?`, ranges,
lists, `/` steps and JAN-DEC / SUN-SAT names. Day-of-week is 1-7 = SUN-SAT as in EventBridge.
`L`, `W` and `#` are not supported (ValueError).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {
    n: i
    for i, n in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1
    )
}
_DAYS = {n: i for i, n in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], 1)}
_SEARCH_YEARS = 8


@dataclass(frozen=True)
class Rate:
    period: timedelta


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int] | None  # None: "?" (or "*" when day-of-week is given)
    months: frozenset[int]
    days_of_week: frozenset[int] | None  # 1-7 = SUN-SAT
    years: frozenset[int] | None  # None: any year


ScheduleExpression = Rate | Cron


def parse_expression(expression: str) -> ScheduleExpression:
    text = expression.strip()
    if match := _RATE.match(text):
        value, unit = int(match[1]), match[2].rstrip("s")
        if value < 1:
            raise ValueError(f"rate must be positive: {expression!r}")
        if (value == 1) != (match[2] == unit):
            raise ValueError(f"use singular unit for 1 and plural otherwise: {expression!r}")
        return Rate(timedelta(seconds=value * _UNIT_SECONDS[unit]))
    if match := _CRON.match(text):
        return _parse_cron(match[1].split(), expression)
    raise ValueError(f"not an EventBridge schedule expression: {expression!r}")


def _parse_cron(fields: list[str], expression: str) -> Cron:
    if len(fields) != 6:
        raise ValueError(f"cron needs 6 fields (min hour dom month dow year): {expression!r}")
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ValueError(f"exactly one of day-of-month and day-of-week must be '?': {expression!r}")
    return Cron(
        minutes=_parse_field(minute, 0, 59),
        hours=_parse_field(hour, 0, 23),
        days_of_month=None if dom in ("?", "*") else _parse_field(dom, 1, 31),
        months=_parse_field(month, 1, 12, _MONTHS),
        days_of_week=None if dow in ("?", "*") else _parse_field(dow, 1, 7, _DAYS),
        years=None if year in ("*", "?") else _parse_field(year, 1970, 2199),
    )


def _parse_field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        values.update(_parse_part(part, low, high, names or {}))
    return frozenset(values)


def _parse_part(part: str, low: int, high: int, names: dict[str, int]) -> range:
    base, _, step_text = part.partition("/")
    step = _number(step_text, names) if step_text else 1
    if base in ("*", "?"):
        start, end = low, high
    elif "-" in base:
        first, _, last = base.partition("-")
        start, end = _number(first, names), _number(last, names)
    else:
        start = _number(base, names)
        end = high if step_text else start
    if step < 1 or not low <= start <= end <= high:
        raise ValueError(f"cron field {part!r} is outside {low}-{high} or malformed")
    return range(start, end + 1, step)


def _number(text: str, names: dict[str, int]) -> int:
    upper = text.upper()
    if upper in names:
        return names[upper]
    if not text.isdigit():
        raise ValueError(f"unsupported cron token {text!r}")
    return int(text)


def next_fire(schedule: ScheduleExpression, after: datetime, *, anchor: datetime | None = None) -> datetime:
    """The first fire time strictly after `after` (aware, UTC).

    A rate fires at anchor + k * period (EventBridge counts from the rule's creation; `anchor`
    defaults to `after`, so the first fire is one period later). A cron fires on whole minutes.
    """
    after = after.astimezone(UTC)
    if isinstance(schedule, Rate):
        start = (anchor or after).astimezone(UTC)
        if after < start:
            return start + schedule.period
        periods = (after - start) // schedule.period + 1
        return start + periods * schedule.period
    return _next_cron(schedule, after)


def _next_cron(cron: Cron, after: datetime) -> datetime:
    moment = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    day = moment.date()
    limit = day.replace(year=day.year + _SEARCH_YEARS)
    while day < limit:
        if _day_matches(cron, day.year, day.month, day.day, day.isoweekday() % 7 + 1):
            first_minute = (moment.hour, moment.minute) if day == moment.date() else (0, 0)
            for hour in sorted(cron.hours):
                for minute in sorted(cron.minutes):
                    if (hour, minute) >= first_minute:
                        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
        day += timedelta(days=1)
    raise ValueError(f"schedule never fires within {_SEARCH_YEARS} years of {after.isoformat()}")


def _day_matches(cron: Cron, year: int, month: int, dom: int, dow: int) -> bool:
    if cron.years is not None and year not in cron.years:
        return False
    if month not in cron.months:
        return False
    if cron.days_of_month is not None and dom not in cron.days_of_month:
        return False
    return cron.days_of_week is None or dow in cron.days_of_week
