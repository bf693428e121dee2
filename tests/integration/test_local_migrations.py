"""`make dev`'s start applies the stored-data migrations of a release to the kept store
(local/migrations.py), as ops run them by script after a deploy: a user stored by the previous
release has their paper trades marked and their aggregates rebuilt, without anyone running a script."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from pymongo.database import Database

from local.migrations import migrate_stored_data
from tests.integration.test_analytics_api import analytics
from tests.integration.test_paper_books import PAPER, both_books
from tests.integration.test_trades_api import trades
from tests.support.gateway import Gateway
from tradetrack.db import daily_pnl
from tradetrack.migrations import paper_book

Db = Database[dict[str, Any]]


def test_the_stacks_start_migrates_what_the_previous_release_stored(
    gateway: Gateway, mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given a trader's real and paper trades as the previous release stored them: paper trades
    # without `paper`, aggregates at version 1 (the summary would read every trade)
    account = both_books(gateway, mongo_db, redis_client)
    mongo_db["trades"].update_many({"accountId": PAPER}, {"$unset": {"paper": ""}})
    mongo_db["aggregate_state"].update_one({"_id": account.user_id}, {"$set": {"version": 1}})
    assert not daily_pnl.is_built(mongo_db, account.user_id)
    # When the local stack's start runs its migrations
    migrate_stored_data()
    # Then the user's paper trades are marked and the aggregates rebuilt at the current version
    assert mongo_db["trades"].count_documents({"accountId": PAPER, "paper": True}) == 2
    assert daily_pnl.is_built(mongo_db, account.user_id)
    assert sorted(t["symbol"] for t in trades(gateway, account)) == ["INFY", "RELIANCE", "TCS"]
    assert analytics(gateway, account, "summary")["netPnl"] == "46"
    # And a second start changes nothing
    state = mongo_db["aggregate_state"].find_one({"_id": account.user_id})
    migrate_stored_data()
    assert mongo_db["aggregate_state"].find_one({"_id": account.user_id}) == state


def test_a_user_whose_migration_fails_is_tried_again_in_the_same_start(
    gateway: Gateway, mongo_db: Db, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a user stored by the previous release, whose first migration times out
    account = both_books(gateway, mongo_db, redis_client)
    mongo_db["aggregate_state"].update_one({"_id": account.user_id}, {"$set": {"version": 1}})
    real = paper_book.migrate_user
    calls: list[str] = []

    def flaky(db: Db, cache: redis.Redis, user_id: str) -> paper_book.Migrated:
        calls.append(user_id)
        if calls.count(user_id) == 1:
            raise TimeoutError("the store timed out")
        return real(db, cache, user_id)

    monkeypatch.setattr(paper_book, "migrate_user", flaky)
    # When the stack's start runs its migrations
    migrate_stored_data(pause_s=0)
    # Then the user was tried again after the failure and is migrated
    assert calls.count(account.user_id) == 2
    assert daily_pnl.is_built(mongo_db, account.user_id)


def test_a_user_failing_every_attempt_is_left_for_the_next_start(
    gateway: Gateway, mongo_db: Db, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a user whose migration always fails
    account = both_books(gateway, mongo_db, redis_client)
    calls: list[str] = []

    def failing(db: Db, cache: redis.Redis, user_id: str) -> paper_book.Migrated:
        calls.append(user_id)
        raise TimeoutError("the store timed out")

    monkeypatch.setattr(paper_book, "migrate_user", failing)
    # When the start runs its migrations with 3 attempts
    migrate_stored_data(attempts=3, pause_s=0)
    # Then it was tried 3 times and the start went on (nothing raised)
    assert calls.count(account.user_id) == 3
