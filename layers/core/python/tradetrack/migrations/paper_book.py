"""Migrate a user's stored data to issue #19's paper book: paper accounts out of real totals.

What changed (tradetrack.book): a derived trade of a paper account (`pa_…`) carries `paper: true`,
which GET /v1/trades, the daily summary and the reports filter on (tradetrack.db.trades.REAL_BOOK);
and the per-day month totals of the analytics are the real accounts' alone
(tradetrack.db.daily_pnl.AGGREGATE_VERSION 2; version 3 adds the tax report's FY sales, #20).

Left as it was, a paper trade stored before the release shows in the real trade list until its pair
is recomputed again, and until a user's aggregates are rebuilt at the current version the summary and time
series are computed from the trades (right, but not from the aggregates: slower).

`migrate_user`, for one user: marks their paper trades (one distinct, one update), then rebuilds
their aggregates when they are not built at the current version (under the user's aggregates lock,
safe while the system runs). Idempotent: a user already migrated is read (two small reads) and left
alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.analytics import daily
from tradetrack.db import daily_pnl
from tradetrack.db.trades import mark_paper_trades
from tradetrack.migrations.identity import users_with_data

__all__ = ["Migrated", "migrate_user", "users_with_data"]

Document = dict[str, Any]


@dataclass(frozen=True)
class Migrated:
    paper_trades: int  # trades given `paper: true`
    aggregates_rebuilt: bool
    trades: int | None = None  # the trades the aggregates were rebuilt from

    def summary(self) -> str:
        if not self.paper_trades and not self.aggregates_rebuilt:
            return "already current"
        rebuilt = (
            f"aggregates rebuilt from {self.trades} trades"
            if self.aggregates_rebuilt
            else "aggregates current"
        )
        return f"{self.paper_trades} paper trades marked, {rebuilt}"


def migrate_user(db: Database[Document], cache: redis.Redis, user_id: str) -> Migrated:
    marked = mark_paper_trades(db, user_id)
    if daily_pnl.is_built(db, user_id):
        return Migrated(marked, aggregates_rebuilt=False)
    return Migrated(marked, aggregates_rebuilt=True, trades=daily.rebuild(db, cache, user_id))
