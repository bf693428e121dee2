"""`make dev`'s start applies the stored-data migrations of a release to the kept store
(local/migrations.py), as ops run them by script after a deploy: a user stored by the previous
release has their paper trades marked and their aggregates rebuilt, without anyone running a script."""

from __future__ import annotations

from typing import Any

import redis
from pymongo.database import Database

from local.migrations import migrate_stored_data
from tests.integration.test_analytics_api import analytics
from tests.integration.test_paper_books import PAPER, both_books
from tests.integration.test_trades_api import trades
from tests.support.gateway import Gateway
from tradetrack.db import daily_pnl

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
