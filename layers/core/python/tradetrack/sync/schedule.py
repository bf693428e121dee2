"""Which accounts are due for a sync (flow 3's scheduler), as a pure function of their state and now.

During NSE hours an account is due every SYNC_INTERVAL_S (5 minutes); outside them, once after
the latest close. An account that keeps failing backs off (interval × 2^(failures-1), at most an
hour); one whose broker token has expired is not synced but reported, to be marked needs_login.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tradetrack.market.calendar import CLOSE, is_market_open, is_trading_day
from tradetrack.timeutil import IST

Document = dict[str, Any]
MAX_BACKOFF = timedelta(hours=1)
# A sync that finished this much less than an interval ago is fresh enough: schedule runs jitter.
SLACK = timedelta(seconds=30)


@dataclass
class Plan:
    due: list[Document] = field(default_factory=list)
    expired: list[Document] = field(default_factory=list)
    fresh: int = 0
    backing_off: int = 0


def latest_close(now: datetime) -> datetime:
    """The most recent NSE close at or before `now`."""
    local = now.astimezone(IST)
    day = local.date()
    for _ in range(30):
        close = datetime.combine(day, CLOSE, tzinfo=IST)
        if is_trading_day(day) and close <= local:
            return close
        day -= timedelta(days=1)
    return datetime.combine(day, CLOSE, tzinfo=IST)


def backoff(failures: int, interval: timedelta) -> timedelta:
    if failures <= 1:
        return interval - SLACK
    longer: timedelta = interval * (2 ** min(failures - 1, 12))
    return min(longer, MAX_BACKOFF)


def _utc(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def plan_syncs(accounts: Iterable[Document], now: datetime, *, interval_s: int = 300) -> Plan:
    interval = timedelta(seconds=interval_s)
    fresh_after = now - (interval - SLACK) if is_market_open(now) else latest_close(now)
    plan = Plan()
    for account in accounts:
        expires = _utc(account.get("tokenExpiresAt"))
        if expires is not None and expires <= now:
            plan.expired.append(account)
            continue
        last = _utc(account.get("lastSyncAt"))
        if last is not None and last >= fresh_after:
            plan.fresh += 1
            continue
        failures = int(account.get("failures") or 0)
        attempted = _utc(account.get("lastAttemptAt"))
        if failures and attempted is not None and now - attempted < backoff(failures, interval):
            plan.backing_off += 1
            continue
        plan.due.append(account)
    return plan
