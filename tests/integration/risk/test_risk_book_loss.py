"""The user's daily-loss limit over the sum of their paper accounts, against the real test store:
two accounts each within the limit but together past it reject a new buy on either and are both
squared off by the monitor; an account's own limit still bounds that account alone."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.account_owners import owner_check
from tradetrack.market.cache import cache_quotes
from tradetrack.market.quote import Quote
from tradetrack.notify.events import RiskViolation
from tradetrack.paper import accounts, placement
from tradetrack.paper.models import AccountIn, OrderIn
from tradetrack.risk.models import LimitsIn
from tradetrack.risk.monitor import monitor_paper
from tradetrack.risk.service import set_account_limits, set_user_limits
from tradetrack.risk_accounts import paper_square_off

Db = Database[dict[str, Any]]
USER = "usr_risk_book"


def quote(cache: redis.Redis, ltp: str) -> None:
    cache_quotes(cache, [Quote(symbol="NSE:INFY", ltp=Decimal(ltp), ts=datetime.now(UTC))])


def order(**fields: Any) -> OrderIn:
    return OrderIn.model_validate(
        {"symbol": "INFY", "exchange": "NSE", "side": "BUY", "type": "MARKET", "quantity": 10, **fields}
    )


def open_account(db: Db) -> str:
    return accounts.open_account(db, USER, AccountIn(starting_balance="100000")).account_id


def test_the_users_daily_loss_limit_sums_their_paper_accounts(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given a user allowing ₹1,000 of loss a day and two paper accounts, each long 10 INFY at 1500
    set_user_limits(mongo_db, redis_client, USER, LimitsIn.model_validate({"maxLossPerDay": "1000"}))
    first, second = open_account(mongo_db), open_account(mongo_db)
    quote(redis_client, "1500")
    for paper_id in (first, second):
        assert placement.place_order(mongo_db, redis_client, USER, paper_id, order()).state == "executed"
    # When INFY falls to 1440: each account is down ₹600 (within ₹1,000), both together ₹1,200
    quote(redis_client, "1440")
    # Then a buy on either account is rejected by the daily loss, on the sum
    for paper_id in (first, second):
        rejected = placement.place_order(mongo_db, redis_client, USER, paper_id, order(quantity=1))
        reason = rejected.history[-1].reason or ""
        assert rejected.state == "rejected" and reason.startswith(
            "risk: max_loss_per_day: the day P&L of your paper"
        )
    # And the monitor records the breach on both, squares both off and notifies each once
    sent: list[RiskViolation] = []
    result = monitor_paper(
        mongo_db, redis_client, notify=sent.append, square_off=paper_square_off(mongo_db, redis_client)
    )
    assert sorted(result.squared_off) == sorted([first, second]) and result.recorded == 2
    assert sorted(v.account_id for v in sent) == sorted([first, second])
    for paper_id in (first, second):
        sold = mongo_db["paper_orders"].find_one({"accountId": paper_id, "side": "SELL"})
        assert sold is not None and sold["state"] == "executed"


def test_an_accounts_own_limit_bounds_it_alone(mongo_db: Db, redis_client: redis.Redis) -> None:
    # Given no user limit, an account of its own limit ₹500 and another without any, both long 10 at 1500
    limited, free = open_account(mongo_db), open_account(mongo_db)
    owns = owner_check(mongo_db)
    body = LimitsIn.model_validate({"maxLossPerDay": "500"})
    set_account_limits(mongo_db, redis_client, USER, limited, body, owns)
    quote(redis_client, "1500")
    for paper_id in (limited, free):
        placement.place_order(mongo_db, redis_client, USER, paper_id, order())
    # When INFY falls to 1440 (each down ₹600)
    quote(redis_client, "1440")
    # Then only the limited account refuses a buy
    states = [
        placement.place_order(mongo_db, redis_client, USER, p, order(quantity=1)).state
        for p in (limited, free)
    ]
    assert states == ["rejected", "executed"]
