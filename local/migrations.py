"""The local stack's start: the stored-data migrations a release brings, which ops run by script
after a deploy (README, "Every command"), applied to `make dev`'s kept store in the background.

Each is idempotent and safe while the stack serves (a user already migrated costs two small reads),
so a stop midway is finished by the next start. Until a user is migrated the reads stay right, only
slower (the analytics read the trades instead of the per-day aggregates)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

from local.imports import recover_interrupted_imports

log = logging.getLogger(__name__)


def migrate_stored_data(*, attempts: int = 3, pause_s: float = 30.0) -> None:
    """Every user with data to issue #19's paper book (tradetrack.migrations.paper_book). A user
    whose migration failed (e.g. the store timed out while the machine was busy) is tried again
    after the others, `attempts` times in all, `pause_s` apart; what still fails waits for the next
    start."""
    from tradetrack.cache.client import get_redis
    from tradetrack.db.client import get_database
    from tradetrack.migrations import paper_book

    db, cache = get_database(), get_redis()
    pending = list(_user_ids(db))
    for attempt in range(1, attempts + 1):
        failed: list[str] = []
        for user_id in pending:
            try:
                migrated = paper_book.migrate_user(db, cache, user_id)
            except Exception:  # one user's failure must not stop the others
                log.exception(
                    "paper book migration failed for %s (attempt %d of %d)", user_id, attempt, attempts
                )
                failed.append(user_id)
                continue
            if migrated.paper_trades or migrated.aggregates_rebuilt:
                log.warning("migrated %s to the paper book: %s", user_id, migrated.summary())
        if not failed:
            return
        pending = failed
        if attempt < attempts:
            time.sleep(pause_s)
    log.error("paper book migration left %d users for the next start", len(pending))


def _user_ids(db: Any) -> Iterator[str]:
    """Every registered user, a page of the users collection at a time (its `_id` order): not the
    migration script's distinct over every execution, which reads each one on FerretDB."""
    from tradetrack.db.users import list_users

    after: str | None = None
    while page := list_users(db, limit=200, after_id=after):
        yield from (str(doc["_id"]) for doc in page)
        after = str(page[-1]["_id"])


def resume_stored_work() -> threading.Thread:
    """At start, what the kept store needs: the imports the last stop interrupted recovered (before
    serving), then migrate_stored_data in a daemon thread (the stack serves meanwhile)."""
    recover_interrupted_imports()
    thread = threading.Thread(target=migrate_stored_data, name="data-migrations", daemon=True)
    thread.start()
    return thread
