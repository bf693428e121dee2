"""The pre-trade daily-loss check's cost and freshness against the real test store: with a daily-loss
limit a paper limit placement makes at most 3 Mongo round trips (the account, the hold, the order:
the journal's reading is kept in Redis at the journal's version), and a fill that changes the
journal is seen by the very next placement (a loss reaching the limit rejects it)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import redis
from pymongo.database import Database

from tests.conftest import QUERY_SHAPES
from tradetrack.market.cache import cache_quotes
from tradetrack.market.quote import Quote
from tradetrack.paper import accounts, placement
from tradetrack.paper.models import AccountIn, OrderIn
from tradetrack.risk.models import LimitsIn
from tradetrack.risk.service import set_user_limits

Db = Database[dict[str, Any]]
USER = "usr_risk_pretrade"


def quote(cache: redis.Redis, ltp: str) -> None:
    cache_quotes(cache, [Quote(symbol="NSE:INFY", ltp=Decimal(ltp), ts=datetime.now(UTC))])


def order(**fields: Any) -> OrderIn:
    return OrderIn.model_validate(
        {
            "symbol": "INFY",
            "exchange": "NSE",
            "side": "BUY",
            "type": "LIMIT",
            "quantity": 1,
            "price": "10",
            **fields,
        }
    )


def test_a_placement_with_a_daily_loss_limit_takes_three_round_trips_and_sees_the_last_fill(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given a user with a daily-loss limit of ₹500 and a paper account holding 10 INFY bought at 1500
    set_user_limits(mongo_db, redis_client, USER, LimitsIn.model_validate({"maxLossPerDay": "500"}))
    paper_id = accounts.open_account(mongo_db, USER, AccountIn(starting_balance="100000")).account_id
    quote(redis_client, "1500")
    placement.place_order(
        mongo_db, redis_client, USER, paper_id, order(type="MARKET", price=None, quantity=10)
    )
    placement.place_order(mongo_db, redis_client, USER, paper_id, order())  # the journal's reading kept
    # When another limit buy is placed
    with QUERY_SHAPES.window() as window:
        placed = placement.place_order(mongo_db, redis_client, USER, paper_id, order())
    # Then it rests, after three Mongo round trips (account read, hold, order insert)
    assert placed.state == "pending"
    assert window.round_trips <= 3, window.summary()
    # When INFY falls to 1440 (unrealised −₹600: past the limit) the next placement is rejected
    quote(redis_client, "1440")
    assert placement.place_order(mongo_db, redis_client, USER, paper_id, order()).state == "rejected"
    # And when the loss is realised by a sale (a fill: the journal changes), a buy is still rejected,
    # on the realised loss read after that fill, not on the reading kept before it
    placement.place_order(
        mongo_db, redis_client, USER, paper_id, order(type="MARKET", price=None, side="SELL", quantity=10)
    )
    quote(redis_client, "2000")  # no open position left for a quote to move
    rejected = placement.place_order(mongo_db, redis_client, USER, paper_id, order())
    assert rejected.state == "rejected" and "max_loss_per_day" in (rejected.history[-1].reason or "")
