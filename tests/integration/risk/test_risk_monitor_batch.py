"""The risk monitor's pass reads its users' snapshots together against the real test store: the same
snapshots as one user at a time (users whose journal read models are built and users read from
their trades, open positions and the day's realised P&L), in a number of Mongo round trips that does
not grow with the users."""

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
from tradetrack.risk.exposure import snapshots, snapshots_of_users
from tradetrack.risk.models import LimitsIn
from tradetrack.risk.monitor import monitor_paper
from tradetrack.risk.service import set_user_limits
from tradetrack.timeutil import ist_date

Db = Database[dict[str, Any]]
USERS = [f"usr_risk_batch{i}" for i in range(4)]


def quote(cache: redis.Redis, ltp: str) -> None:
    cache_quotes(cache, [Quote(symbol="NSE:INFY", ltp=Decimal(ltp), ts=datetime.now(UTC))])


def market(db: Db, cache: redis.Redis, user_id: str, paper_id: str, side: str, quantity: int) -> None:
    body = OrderIn(symbol="INFY", exchange="NSE", side=side, type="MARKET", quantity=quantity)
    assert placement.place_order(db, cache, user_id, paper_id, body).state == "executed"


def journals(db: Db, cache: redis.Redis) -> None:
    """Each user a paper account (two for the first), long INFY; the second has sold part at a
    profit today; the third's journal read models are dropped (read from its trades)."""
    quote(cache, "1500")
    for i, user_id in enumerate(USERS):
        set_user_limits(db, cache, user_id, LimitsIn.model_validate({"maxLossPerDay": "100000"}))
        for _ in range(2 if i == 0 else 1):
            paper_id = accounts.open_account(db, user_id, AccountIn(starting_balance="1000000")).account_id
            market(db, cache, user_id, paper_id, "BUY", 10 + i)
        if i == 1:
            quote(cache, "1600")
            market(db, cache, user_id, paper_id, "SELL", 4)
    db["aggregate_state"].delete_one({"_id": USERS[2]})
    quote(cache, "1550")


def test_the_users_snapshots_read_together_are_each_users_own(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given four users' paper accounts with open positions, one with a realised profit today and one
    # whose journal read models are not built
    journals(mongo_db, redis_client)
    day = ist_date(datetime.now(UTC))
    # When their snapshots are read together
    together = snapshots_of_users(mongo_db, redis_client, USERS, day)
    # Then each user's are what reading that user alone finds (positions marked at 1550, the day's
    # realised P&L, the book's sum)
    alone = {user_id: snapshots(mongo_db, redis_client, user_id, day) for user_id in USERS}
    assert together == alone
    assert len(together[USERS[0]]) == 2 and all(len(together[u]) == 1 for u in USERS[1:])
    assert any(snap.realised for snap in together[USERS[1]].values())


def test_a_monitor_pass_takes_the_same_round_trips_for_two_users_or_four(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given four users with daily-loss limits and open positions, none at their limit
    journals(mongo_db, redis_client)

    def square_off(user_id: str, account_id: str) -> int:
        raise AssertionError("no account is at its limit")

    def trips() -> int:
        with QUERY_SHAPES.window() as window:
            result = monitor_paper(mongo_db, redis_client, notify=lambda event: None, square_off=square_off)
        assert result.recorded == 0
        return window.round_trips

    # When the monitor passes over all four, then over two of them (one built, one read from its
    # trades: the others' limits removed)
    four = trips()
    for user_id in (USERS[1], USERS[3]):
        set_user_limits(mongo_db, redis_client, user_id, LimitsIn.model_validate({}))
    two = trips()
    # Then both passes take the same few round trips (limits: two; snapshots: at most four)
    assert four == two <= 6
