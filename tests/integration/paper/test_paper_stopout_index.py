"""The margin call's Redis index against the real test store: a tick finds the MIS positions it stops
out from the index (no Mongo query when it stops out none, whatever the positions), and an index
Redis lost is rebuilt from Mongo's open MIS positions and still stops them out."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import redis
from pymongo.database import Database

from tests.conftest import QUERY_SHAPES
from tradetrack.market.cache import cache_quotes
from tradetrack.market.quote import Quote
from tradetrack.paper import accounts, matching, placement
from tradetrack.paper.models import AccountIn, OrderIn
from tradetrack.paper.rules import Rules
from tradetrack.timeutil import IST

Db = Database[dict[str, Any]]
USER = "usr_paper_stopout_index"
MORNING = datetime(2025, 3, 3, 10, 0, tzinfo=IST)  # a Monday, the market open
RULES = Rules(leverage=5, stopout_pct=100)


def clock() -> datetime:
    return MORNING


def quote(cache: redis.Redis, ltp: str) -> None:
    cache_quotes(cache, [Quote(symbol="NSE:INFY", ltp=Decimal(ltp), ts=datetime.now(UTC))])


def open_position(db: Db, cache: redis.Redis, side: str) -> str:
    """An account with 10 INFY MIS bought (or sold short) at market at 1000: margin ₹2,000 at 5×."""
    paper_id = accounts.open_account(db, USER, AccountIn(starting_balance="100000"), now=clock).account_id
    body = OrderIn(symbol="INFY", exchange="NSE", side=side, type="MARKET", quantity=10, product="MIS")
    assert placement.place_order(db, cache, USER, paper_id, body, now=clock, rules=RULES).state == "executed"
    return paper_id


def tick(db: Db, cache: redis.Redis, ltp: str) -> None:
    matching.match_tick(db, cache, {"NSE:INFY": Decimal(ltp)}, now=clock, rules=RULES)


def quantity(db: Db, paper_id: str) -> int:
    doc = db["paper_holdings"].find_one({"_id": f"{paper_id}|NSE:INFY|MIS"})
    assert doc is not None
    return int(doc["quantity"])


def drop_index(cache: redis.Redis) -> None:
    """What a Redis flush or a failover without a replica leaves of the stop-out index: nothing."""
    keys = [*cache.scan_iter(match="paper:stopout:*"), *cache.scan_iter(match="paper:stopouts:*")]
    assert keys
    cache.delete(*keys)


def test_a_tick_that_stops_out_nothing_reads_no_holding(mongo_db: Db, redis_client: redis.Redis) -> None:
    # Given a long and a short of INFY at 1000, and a first tick (the index is built)
    quote(redis_client, "1000")
    long_id = open_position(mongo_db, redis_client, "BUY")
    short_id = open_position(mongo_db, redis_client, "SELL")
    tick(mongo_db, redis_client, "1000")
    # When INFY ticks at 850 then 1150 (losses short of either margin)
    with QUERY_SHAPES.window() as window:
        tick(mongo_db, redis_client, "850")
        tick(mongo_db, redis_client, "1150")
    # Then neither is stopped out, and the margin call read no holding
    assert (quantity(mongo_db, long_id), quantity(mongo_db, short_id)) == (10, -10)
    assert window.reads("paper_holdings") == [], window.summary()
    # When INFY ticks at 1200 (the short's loss: ₹2,000, its whole margin)
    with QUERY_SHAPES.window() as window:
        tick(mongo_db, redis_client, "1200")
    # Then the short alone is bought back, its holding read by id
    assert (quantity(mongo_db, long_id), quantity(mongo_db, short_id)) == (10, 0)
    assert window.reads("paper_holdings"), window.summary()


def test_a_lost_index_is_rebuilt_and_still_stops_out(mongo_db: Db, redis_client: redis.Redis) -> None:
    # Given a long of INFY at 1000, its stop-out indexed by a first tick, then the index lost
    quote(redis_client, "1000")
    paper_id = open_position(mongo_db, redis_client, "BUY")
    tick(mongo_db, redis_client, "1000")
    drop_index(redis_client)
    # When INFY ticks at 800 (the loss: ₹2,000, its whole margin)
    tick(mongo_db, redis_client, "800")
    # Then the index is rebuilt from Mongo and the long sold at 800
    assert quantity(mongo_db, paper_id) == 0
    assert redis_client.exists("paper:stopouts:built")
    sale = mongo_db["paper_orders"].find_one({"accountId": paper_id, "side": "SELL"})
    assert sale is not None and sale["history"][0]["reason"].startswith("MIS stop-out")


def test_a_position_opened_while_the_index_is_lost_is_found_after_the_rebuild(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given the index lost before a short of INFY is opened at 1000 (its fill cannot index it)
    quote(redis_client, "1000")
    open_position(mongo_db, redis_client, "BUY")
    tick(mongo_db, redis_client, "1000")
    drop_index(redis_client)
    paper_id = open_position(mongo_db, redis_client, "SELL")
    # When INFY ticks at 1200 (the short's whole margin)
    tick(mongo_db, redis_client, "1200")
    # Then the rebuilt index finds it and it is bought back
    assert quantity(mongo_db, paper_id) == 0
