"""One-off migrations of stored data between releases, run by ops scripts (scripts/migrate_*.py).

Each module migrates one change, per user, idempotently: running it again changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence


def run_for_users(users: Sequence[str], migrate: Callable[[str], str]) -> int:
    """Run `migrate` for each user (it returns what it did), one printed line per user, a failure
    printed and the next user taken; returns the scripts' exit status: 1 when any user failed."""
    failed = 0
    for number, user_id in enumerate(users, start=1):
        started = time.perf_counter()
        try:
            done = migrate(user_id)
        except Exception as exc:
            failed += 1
            print(f"[{number}/{len(users)}] {user_id}: FAILED {type(exc).__name__}: {exc}", flush=True)
            continue
        print(
            f"[{number}/{len(users)}] {user_id}: {done} in {time.perf_counter() - started:.1f} s", flush=True
        )
    return 1 if failed else 0
