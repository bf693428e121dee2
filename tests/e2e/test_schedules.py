"""EventBridge schedules: next fire times of rate() and cron(), and the timers of the stack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from local.cron import Cron, Rate, next_fire, parse_expression
from tests.e2e.conftest import RunningStack
from tests.e2e.doubles import TEST_RULE, wait_until

pytestmark = pytest.mark.e2e


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "period"),
    [
        ("rate(1 minute)", timedelta(minutes=1)),
        ("rate(5 minutes)", timedelta(minutes=5)),
        ("rate(2 hours)", timedelta(hours=2)),
        ("rate(1 day)", timedelta(days=1)),
    ],
)
def test_rate_fires_every_period_from_the_anchor(expression: str, period: timedelta) -> None:
    # Given a rate created at the anchor
    anchor = at("2025-01-06T10:00:30")
    schedule = parse_expression(expression)
    assert schedule == Rate(period)
    # Then it fires one period later, and never at the same time twice
    assert next_fire(schedule, anchor, anchor=anchor) == anchor + period
    assert next_fire(schedule, anchor + period, anchor=anchor) == anchor + 2 * period
    assert next_fire(schedule, anchor + period * 2.5, anchor=anchor) == anchor + 3 * period


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        # every 5 minutes on weekdays (EventBridge day-of-week: MON-FRI)
        ("cron(0/5 * ? * MON-FRI *)", "2025-01-06T10:02:10", "2025-01-06T10:05:00"),
        ("cron(0/5 * ? * MON-FRI *)", "2025-01-10T23:58:00", "2025-01-13T00:00:00"),  # Fri → Mon
        # 10:30 UTC Mon-Fri: a fire time equal to `after` is not "next"
        ("cron(30 10 ? * MON-FRI *)", "2025-01-06T10:30:00", "2025-01-07T10:30:00"),
        # ranges and lists of hours, numeric day-of-week 2-6 = MON-FRI
        ("cron(15 3-4,9 ? * 2-6 *)", "2025-01-06T04:15:00", "2025-01-06T09:15:00"),
        # day of month with a month name, and a year field
        ("cron(0 0 1 JAN ? *)", "2025-03-01T00:00:00", "2026-01-01T00:00:00"),
        ("cron(0 12 29 FEB ? 2028)", "2025-01-01T00:00:00", "2028-02-29T12:00:00"),
        # Sunday is 1
        ("cron(0 6 ? * 1 *)", "2025-01-06T00:00:00", "2025-01-12T06:00:00"),
        # steps on day of month: 1st, 11th, 21st, 31st
        ("cron(0 0 1/10 * ? *)", "2025-01-21T00:00:00", "2025-01-31T00:00:00"),
    ],
)
def test_cron_next_fire(expression: str, after: str, expected: str) -> None:
    schedule = parse_expression(expression)
    assert isinstance(schedule, Cron)
    assert next_fire(schedule, at(after)) == at(expected)


@pytest.mark.parametrize(
    "expression",
    [
        "rate(0 minutes)",
        "rate(1 minutes)",
        "rate(5 minute)",
        "rate(5 weeks)",
        "cron(0 10 * * MON *)",  # both day fields given
        "cron(0 10 ? * ? *)",  # neither day field given
        "cron(0 10 * * *)",  # five fields
        "cron(61 10 ? * MON *)",
        "cron(0 10 L * ? *)",
        "cron(0 10 ? * MON#2 *)",
        "every 5 minutes",
    ],
)
def test_invalid_expressions_are_rejected(expression: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_expression(expression)


def test_the_stack_fires_scheduled_events(running: RunningStack) -> None:
    # Given rate(1 minute) sped up 300 times (every 0.2 s)
    running.ticks.clear()
    # When the stack runs for a moment
    assert wait_until(lambda: len(running.ticks.snapshot()) >= 2, timeout_s=5)
    # Then the target received EventBridge Scheduled Events for the rule
    event = running.ticks.snapshot()[0]
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["resources"] == [f"arn:aws:events:ap-south-1:123456789012:rule/{TEST_RULE}"]
    assert event["detail"] == {}
    assert event["time"].endswith("Z")
