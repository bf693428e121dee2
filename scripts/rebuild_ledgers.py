"""Rebuild users' trades and ledgers from their executions, then their per-day aggregates and open
positions from the trades (ops repair).

    MONGODB_URI=... REDIS_URL=... MONGODB_DB=tradetrack \
        .venv/bin/python scripts/rebuild_ledgers.py USER_ID [USER_ID ...]
    ... scripts/rebuild_ledgers.py --all
    ... scripts/rebuild_ledgers.py --aggregates-only --all   # the analytics read models alone

Use after a crash between storing executions and recomputing them (a manual entry whose request
failed there), or when tradetrack.db.ledgers.LEDGER_VERSION changes; --aggregates-only after a
change of tradetrack.db.daily_pnl.AGGREGATE_VERSION or a failed aggregate update (docs/analytics.md).
Each user is recomputed under the same per-instrument locks the API takes (the aggregates under
the user's), so it is safe while the system runs. Every user's result is printed; the exit status
is 1 when any user failed.
"""

from __future__ import annotations

import argparse
import sys
import time

from tradetrack.analytics.daily import rebuild as rebuild_aggregates
from tradetrack.cache.client import get_redis
from tradetrack.db.client import get_database
from tradetrack.trades import rebuild_ledgers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("users", nargs="*", help="user ids to rebuild")
    parser.add_argument("--all", action="store_true", help="every user that has executions")
    parser.add_argument(
        "--aggregates-only", action="store_true", help="only the per-day aggregates and open positions"
    )
    args = parser.parse_args(argv)
    if not args.users and not args.all:
        parser.error("name user ids, or pass --all")
    db, cache = get_database(), get_redis()
    users = sorted(db["executions"].distinct("userId")) if args.all else args.users
    failed = 0
    for number, user_id in enumerate(users, start=1):
        started = time.perf_counter()
        try:
            if not args.aggregates_only:
                rebuild_ledgers(db, cache, user_id)
            trades = rebuild_aggregates(db, cache, user_id)
        except Exception as exc:
            failed += 1
            print(f"[{number}/{len(users)}] {user_id}: FAILED {exc}", flush=True)
            continue
        print(
            f"[{number}/{len(users)}] {user_id}: {trades} trades in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
