"""The scheduled full reconciliation against the real test store: the market feed's second rule
(task `paper-reconcile`) reconciles every paper account, those no pass touched too, page by page,
and reports the drifted ones; the manifest declares the rule with its task."""

from __future__ import annotations

from typing import Any

import redis
from pymongo.database import Database

from functions.manifest import FUNCTIONS
from tests.support.lambda_events import lambda_context
from tradetrack.config import Settings
from tradetrack.paper import accounts, placement, reconcile
from tradetrack.paper.models import AccountIn, OrderIn
from tradetrack.paper.rules import Rules

Db = Database[dict[str, Any]]
USER = "usr_paper_reconcile_all"


def test_the_scheduled_run_reconciles_every_account_and_names_the_drifted(
    mongo_db: Db, redis_client: redis.Redis, app_env: Settings
) -> None:
    # Given five accounts: one with a resting buy, one drifted by ₹0.0001, three untouched
    opened = [
        accounts.open_account(mongo_db, USER, AccountIn(starting_balance="50000")).account_id
        for _ in range(5)
    ]
    body = OrderIn(symbol="INFY", exchange="NSE", side="BUY", type="LIMIT", quantity=1, price="1000")
    placement.place_order(mongo_db, redis_client, USER, opened[0], body, rules=Rules())
    mongo_db["paper_accounts"].update_one({"_id": opened[3]}, {"$inc": {"available": 1}})
    # When the reconciliation runs over pages of two accounts
    done = reconcile.reconcile_all(mongo_db, page=2)
    # Then all five were checked and only the drifted one is named
    assert (done.accounts, done.drifted) == (5, [opened[3]])
    # When the market feed is invoked by its paper-reconcile rule
    from functions.market_feed.handler import lambda_handler

    answer = lambda_handler({"task": "paper-reconcile"}, lambda_context("market_feed"))
    # Then it reconciled them all (and ran no feed tick)
    assert answer == {"task": "paper-reconcile", "accounts": 5, "drifted": 1}


def test_the_manifest_schedules_the_full_reconciliation_after_the_close() -> None:
    # Given the manifest / Then market_feed has a weekday rule at 10:15 UTC (15:45 IST) sending the task
    [feed] = [spec for spec in FUNCTIONS if spec.name == "market_feed"]
    tasks = {s.rule: (s.expression, s.task) for s in feed.schedules}
    assert tasks["paper-reconcile"] == ("cron(15 10 ? * MON-FRI *)", "paper-reconcile")
    assert tasks["market-feed"] == ("rate(1 minute)", None)
