"""Which accounts the scheduler sends to the sync queue, and when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tradetrack.sync.schedule import latest_close, plan_syncs
from tradetrack.timeutil import IST

# Wednesday 2026-11-18 is an NSE trading day; Saturday 2026-11-21 is not.
IN_SESSION = datetime(2026, 11, 18, 11, 0, tzinfo=IST)
AFTER_CLOSE = datetime(2026, 11, 18, 15, 35, tzinfo=IST)
SATURDAY = datetime(2026, 11, 21, 10, 0, tzinfo=IST)


def account(account_id: str = "ba_1", **fields: Any) -> dict[str, Any]:
    return {"_id": account_id, "userId": "u1", "broker": "zerodha", "status": "active", **fields}


def test_in_market_hours_an_account_is_due_every_five_minutes() -> None:
    # Given accounts last synced 6 minutes, 2 minutes ago and never
    accounts = [
        account("stale", lastSyncAt=IN_SESSION - timedelta(minutes=6)),
        account("fresh", lastSyncAt=IN_SESSION - timedelta(minutes=2)),
        account("never"),
    ]
    # When the scheduler plans during the session
    plan = plan_syncs(accounts, IN_SESSION)
    # Then the stale and the never-synced are due, the fresh one is not
    assert [a["_id"] for a in plan.due] == ["stale", "never"]
    assert plan.fresh == 1


def test_a_run_a_little_early_still_syncs_an_account_synced_one_interval_ago() -> None:
    # Given an account synced 4 min 45 s ago (schedules jitter by seconds)
    accounts = [account(lastSyncAt=IN_SESSION - timedelta(minutes=4, seconds=45))]
    # When the scheduler plans
    plan = plan_syncs(accounts, IN_SESSION)
    # Then it is due
    assert len(plan.due) == 1


def test_outside_market_hours_an_account_is_synced_once_after_the_close() -> None:
    # Given one account last synced during the session and one already after the close
    accounts = [
        account("before-close", lastSyncAt=datetime(2026, 11, 18, 15, 28, tzinfo=IST)),
        account("after-close", lastSyncAt=datetime(2026, 11, 18, 15, 31, tzinfo=IST)),
    ]
    # When the scheduler plans after the close, and again at night
    evening = plan_syncs(accounts, AFTER_CLOSE)
    night = plan_syncs(
        [account("before-close", lastSyncAt=AFTER_CLOSE + timedelta(minutes=1))],
        AFTER_CLOSE + timedelta(hours=6),
    )
    # Then only the one not synced since the close is due, and once synced it waits for the next session
    assert [a["_id"] for a in evening.due] == ["before-close"]
    assert night.due == []


def test_on_a_weekend_the_last_close_is_fridays() -> None:
    # Given Saturday morning
    # When the latest close is asked for
    close = latest_close(SATURDAY)
    # Then it is Friday 15:30 IST
    assert close == datetime(2026, 11, 20, 15, 30, tzinfo=IST)
    # and an account synced on Friday evening is not due on Saturday
    assert plan_syncs([account(lastSyncAt=datetime(2026, 11, 20, 16, 0, tzinfo=IST))], SATURDAY).due == []


def test_expired_tokens_are_reported_not_synced() -> None:
    # Given a Kite token that expired at 06:00 IST
    accounts = [account(tokenExpiresAt=datetime(2026, 11, 18, 6, 0, tzinfo=IST))]
    # When the scheduler plans at 11:00
    plan = plan_syncs(accounts, IN_SESSION)
    # Then the account is not due but expired
    assert plan.due == []
    assert [a["_id"] for a in plan.expired] == ["ba_1"]


def test_an_account_that_keeps_failing_backs_off() -> None:
    # Given an account that failed 3 times, last tried 12 minutes ago (backoff 20 minutes)
    tried = IN_SESSION - timedelta(minutes=12)
    failing = account(lastSyncAt=IN_SESSION - timedelta(hours=1), failures=3, lastAttemptAt=tried)
    # When the scheduler plans now and 10 minutes later
    now = plan_syncs([failing], IN_SESSION)
    later = plan_syncs([failing], IN_SESSION + timedelta(minutes=10))
    # Then it waits first, then it is due again
    assert (now.due, now.backing_off) == ([], 1)
    assert len(later.due) == 1


def test_naive_datetimes_from_mongo_are_read_as_utc() -> None:
    # Given a lastSyncAt as pymongo returns it (naive UTC), 2 minutes ago
    naive = (IN_SESSION - timedelta(minutes=2)).astimezone(UTC).replace(tzinfo=None)
    # When the scheduler plans
    plan = plan_syncs([account(lastSyncAt=naive)], IN_SESSION)
    # Then it is fresh
    assert plan.due == [] and plan.fresh == 1
