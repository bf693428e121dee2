"""The NSE calendar: sessions in IST, weekends, holidays as data, next open/close."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tradetrack.market.calendar import is_trading_day, market_status, next_trading_day
from tradetrack.market.holidays import NSE_HOLIDAYS
from tradetrack.timeutil import IST


def ist(y: int, m: int, d: int, hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=IST)


@pytest.mark.parametrize(
    ("moment", "status"),
    [
        (ist(2025, 11, 14, 8, 59, 59), "closed"),
        (ist(2025, 11, 14, 9, 0), "pre_open"),
        (ist(2025, 11, 14, 9, 7, 59), "pre_open"),
        (ist(2025, 11, 14, 9, 8), "closed"),  # pre-open matching until 09:15
        (ist(2025, 11, 14, 9, 14, 59), "closed"),
        (ist(2025, 11, 14, 9, 15), "open"),
        (ist(2025, 11, 14, 15, 29, 59), "open"),
        (ist(2025, 11, 14, 15, 30), "closed"),
    ],
)
def test_session_edges_on_a_trading_friday(moment: datetime, status: str) -> None:
    # Given Friday 14 Nov 2025, a trading day / When the status is asked at a session edge
    # Then the state flips exactly at 09:00, 09:08, 09:15 and 15:30 IST
    assert market_status(moment).status == status


def test_utc_moments_are_read_in_ist() -> None:
    # Given 03:45 UTC, which is 09:15 IST / When asked / Then the market is open
    assert market_status(datetime(2025, 11, 14, 3, 45, tzinfo=UTC)).status == "open"
    # And 09:45 UTC is 15:15 IST (open), 10:00 UTC is 15:30 IST (closed)
    assert market_status(datetime(2025, 11, 14, 9, 45, tzinfo=UTC)).status == "open"
    assert market_status(datetime(2025, 11, 14, 10, 0, tzinfo=UTC)).status == "closed"
    # And a naive time counts as IST
    assert market_status(datetime(2025, 11, 14, 9, 15)).status == "open"


def test_next_open_and_close_while_open() -> None:
    status = market_status(ist(2025, 11, 14, 11, 0))
    assert status.next_close == ist(2025, 11, 14, 15, 30)
    # Then the next open is Monday's (the weekend in between)
    assert status.next_open == ist(2025, 11, 17, 9, 15)
    assert status.next_open.isoformat() == "2025-11-17T09:15:00+05:30"


def test_before_the_open_the_next_open_is_today() -> None:
    status = market_status(ist(2025, 11, 14, 7, 0))
    assert status.next_open == ist(2025, 11, 14, 9, 15)
    assert status.next_close == ist(2025, 11, 14, 15, 30)


def test_weekends_are_closed_and_point_to_monday() -> None:
    saturday = market_status(ist(2025, 11, 15, 11, 0))
    assert saturday.status == "closed"
    assert saturday.holiday is None
    assert saturday.next_open == ist(2025, 11, 17, 9, 15)
    assert saturday.next_close == ist(2025, 11, 17, 15, 30)


def test_a_holiday_is_closed_all_day_and_named() -> None:
    # Given Diwali Balipratipada, Wednesday 22 Oct 2025
    status = market_status(ist(2025, 10, 22, 10, 0))
    assert status.status == "closed"
    assert status.holiday == "Diwali Balipratipada"
    # Then the market next opens on Thursday 23 Oct
    assert status.next_open == ist(2025, 10, 23, 9, 15)


def test_consecutive_holidays_are_skipped() -> None:
    # Given Monday 20 Oct 2025 after the close: 21 and 22 Oct are holidays
    status = market_status(ist(2025, 10, 20, 16, 0))
    assert status.next_open == ist(2025, 10, 23, 9, 15)
    # And Good Friday 3 Apr 2026 leads to Monday 6 Apr
    assert next_trading_day(date(2026, 4, 2)) == date(2026, 4, 6)


def test_holiday_data_covers_2025_and_2026_on_weekdays() -> None:
    weekday = [d for d in NSE_HOLIDAYS if d.weekday() < 5]
    assert {d.year for d in weekday} == {2025, 2026}
    assert len([d for d in weekday if d.year == 2025]) == 14
    assert len([d for d in weekday if d.year == 2026]) == 16
    assert not is_trading_day(date(2026, 1, 26))
    assert is_trading_day(date(2026, 1, 27))
