"""When a broker's access token lapses: the rule a client stamps on its TokenGrant, the catalogue
describes, and the scheduler relies on (an expired token is not synced but marked needs_login)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tradetrack.timeutil import to_ist


def next_ist(now: datetime, hour: int, minute: int) -> datetime:
    """The first HH:MM IST strictly after `now`."""
    local = to_ist(now)
    at = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return at if at > local else at + timedelta(days=1)


@dataclass(frozen=True)
class DailyExpiry:
    """A token that dies every day at HH:MM IST (SEBI's daily re-login: Kite 06:00, Upstox 03:30)."""

    hour: int
    minute: int = 0

    def after(self, now: datetime) -> datetime:
        """When a token issued at `now` lapses."""
        return next_ist(now, self.hour, self.minute)

    def describe(self) -> str:
        return f"daily at {self.hour:02d}:{self.minute:02d} IST"


@dataclass(frozen=True)
class Lifetime:
    """A token that lives a fixed time from its login (Angel One: a jwtToken lives 24-28 hours; its
    own `exp` claim, when the client can read it, says exactly)."""

    hours: int

    def after(self, now: datetime) -> datetime:
        return now + timedelta(hours=self.hours)

    def describe(self) -> str:
        return f"{self.hours} hours after login"


TokenExpiry = DailyExpiry | Lifetime
