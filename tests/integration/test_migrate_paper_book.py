"""scripts/migrate_paper_book.py (issue #19): paper trades stored before the release get their
`paper: true`, aggregates of the previous version are rebuilt with the real book's month totals;
a second run changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from pymongo.database import Database

from tests.integration.test_analytics_api import analytics
from tests.integration.test_paper_books import PAPER, both_books
from tests.integration.test_trades_api import trades
from tests.support.gateway import Gateway
from tests.support.scripts import load_script
from tradetrack.db import daily_pnl

Db = Database[dict[str, Any]]


def test_paper_trades_of_the_previous_release_leave_the_real_list_and_totals(
    gateway: Gateway, mongo_db: Db, redis_client: redis.Redis, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a trader's real and paper trades as the previous release stored them: paper trades
    # without `paper`, aggregates built at version 1
    account = both_books(gateway, mongo_db, redis_client)
    mongo_db["trades"].update_many({"accountId": PAPER}, {"$unset": {"paper": ""}})
    mongo_db["aggregate_state"].update_one({"_id": account.user_id}, {"$set": {"version": 1}})
    assert len(trades(gateway, account)) == 5  # the paper ones are in the real list
    # When the migration runs for the user
    assert load_script("migrate_paper_book").main([account.user_id]) == 0
    # Then it marked the two paper trades and rebuilt the aggregates from the five trades
    assert "2 paper trades marked, aggregates rebuilt from 5 trades" in capsys.readouterr().out
    assert mongo_db["trades"].count_documents({"accountId": PAPER, "paper": True}) == 2
    # And the trade list and the summary (from the aggregates) are the real account's
    assert sorted(t["symbol"] for t in trades(gateway, account)) == ["INFY", "RELIANCE", "TCS"]
    assert daily_pnl.is_built(mongo_db, account.user_id)
    assert analytics(gateway, account, "summary")["netPnl"] == "46"
    # When it runs again, nothing changes
    assert load_script("migrate_paper_book").main([account.user_id]) == 0
    assert "already current" in capsys.readouterr().out
