"""Migrate users' fills, trades and ledgers to this release's fill and instrument identity.

    MONGODB_URI=... REDIS_URL=... MONGODB_DB=tradetrack \
        .venv/bin/python scripts/migrate_identity.py --all [--dry-run]
    ... scripts/migrate_identity.py USER_ID [USER_ID ...]

Run once after deploying the release, before the broker-sync schedule runs (pause it meanwhile):
fills stored by the previous release carry the exchange's trade id alone as externalId and
`EXCHANGE:SYMBOL` instrument keys, so the next sync would store them a second time. Each user's
executions get their new identity, annotated trades move to their new ids, and trades and ledgers
are rebuilt (tradetrack.migrations.identity says how, and what is safe while the system runs).
Running it again changes nothing. --dry-run prints what would change and writes nothing. One line
per user; the exit status is 1 when any user failed (run it again for them).
"""

from __future__ import annotations

import argparse
import sys

from tradetrack.cache.client import get_redis
from tradetrack.db.client import get_database
from tradetrack.migrations import run_for_users
from tradetrack.migrations.identity import migrate_user, users_with_data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("users", nargs="*", help="user ids to migrate")
    parser.add_argument(
        "--all", action="store_true", help="every user that has executions, trades or ledgers"
    )
    parser.add_argument("--dry-run", action="store_true", help="print what would change; write nothing")
    args = parser.parse_args(argv)
    if not args.users and not args.all:
        parser.error("name user ids, or pass --all")
    db, cache = get_database(), get_redis()
    users = users_with_data(db) if args.all else args.users
    return run_for_users(
        users, lambda user_id: migrate_user(db, cache, user_id, dry_run=args.dry_run).summary()
    )


if __name__ == "__main__":
    sys.exit(main())
