"""Migrate users' stored trades and analytics aggregates to the paper book (issue #19).

    MONGODB_URI=... REDIS_URL=... MONGODB_DB=tradetrack \
        .venv/bin/python scripts/migrate_paper_book.py --all
    ... scripts/migrate_paper_book.py USER_ID [USER_ID ...]

Run once after deploying the release that keeps paper accounts out of real totals: paper accounts'
trades stored before it get `paper: true` (so the real trade list leaves them out), and per-day
aggregates of the previous version are rebuilt (their month totals counted paper accounts; until
the rebuild the analytics read the trades instead). Safe while the system runs; running it again
changes nothing (tradetrack.migrations.paper_book). One line per user; the exit status is 1 when
any user failed (run it again for them).
"""

from __future__ import annotations

import argparse
import sys

from tradetrack.cache.client import get_redis
from tradetrack.db.client import get_database
from tradetrack.migrations import run_for_users
from tradetrack.migrations.paper_book import migrate_user, users_with_data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("users", nargs="*", help="user ids to migrate")
    parser.add_argument(
        "--all", action="store_true", help="every user that has executions, trades or ledgers"
    )
    args = parser.parse_args(argv)
    if not args.users and not args.all:
        parser.error("name user ids, or pass --all")
    db, cache = get_database(), get_redis()
    users = users_with_data(db) if args.all else args.users
    return run_for_users(users, lambda user_id: migrate_user(db, cache, user_id).summary())


if __name__ == "__main__":
    sys.exit(main())
