"""An MIS placement's Mongo round trips against the real test store: an MIS long, a short sale and a
cover each take at most 3 (the account read, which carries the account's MIS positions; the hold
or the reservation; the order insert), and the positions the account keeps follow every fill (an
account that keeps none, opened before they were kept, places on its holding and starts keeping
them)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import redis
from pymongo.database import Database

from tests.conftest import QUERY_SHAPES
from tradetrack.market.cache import cache_quotes
from tradetrack.market.quote import Quote
from tradetrack.paper import accounts, orders, placement
from tradetrack.paper.models import AccountIn, OrderIn, OrderOut
from tradetrack.paper.rules import Rules
from tradetrack.timeutil import IST

Db = Database[dict[str, Any]]
USER = "usr_paper_mis_cost"
MORNING = datetime(2025, 3, 3, 10, 0, tzinfo=IST)  # a Monday, the market open
RULES = Rules(leverage=5)
BUDGET = 3


def quote(cache: redis.Redis, symbol: str, ltp: str) -> None:
    cache_quotes(cache, [Quote(symbol=symbol, ltp=Decimal(ltp), ts=datetime.now(UTC))])


def place(db: Db, cache: redis.Redis, paper_id: str, **fields: Any) -> OrderOut:
    body = OrderIn.model_validate(
        {"symbol": "INFY", "exchange": "NSE", "quantity": 10, "product": "MIS", "type": "LIMIT", **fields}
    )
    return placement.place_order(db, cache, USER, paper_id, body, now=lambda: MORNING, rules=RULES)


def open_account(db: Db) -> str:
    return accounts.open_account(db, USER, AccountIn(starting_balance="1000000")).account_id


def forget_kept_positions(db: Db, paper_id: str) -> None:
    """The account as opened before it kept its MIS positions."""
    db["paper_accounts"].update_one({"_id": paper_id}, {"$unset": {"misPositions": ""}})


def kept(db: Db, paper_id: str) -> dict[str, int]:
    doc = db["paper_accounts"].find_one({"_id": paper_id})
    assert doc is not None
    return dict(doc.get("misPositions", {}))


def holding_quantity(db: Db, paper_id: str, symbol: str = "INFY") -> int:
    doc = db["paper_holdings"].find_one({"_id": f"{paper_id}|NSE:{symbol}|MIS"})
    return 0 if doc is None else int(doc["quantity"])


def stored(db: Db, order_id: str) -> dict[str, Any]:
    doc = db["paper_orders"].find_one({"_id": order_id})
    assert doc is not None
    return doc


def test_mis_long_short_sale_and_cover_each_take_three_round_trips(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given an open account with no INFY position, INFY quoted at 1500, and the user's (absent) risk
    # limits cached in Redis by a first placement (a delivery buy)
    paper_id = open_account(mongo_db)
    quote(redis_client, "NSE:INFY", "1500")
    place(mongo_db, redis_client, paper_id, side="BUY", price="10", quantity=1, product="CNC")
    # When an MIS limit buy is placed (an MIS long)
    with QUERY_SHAPES.window() as long_window:
        long_buy = place(mongo_db, redis_client, paper_id, side="BUY", price="1400")
    # Then it rests as a long after at most three round trips
    assert long_buy.state == "pending" and stored(mongo_db, long_buy.order_id)["position"] == "long"
    assert long_window.round_trips <= BUDGET, long_window.summary()
    # When an MIS limit sell is placed while flat (a short sale)
    with QUERY_SHAPES.window() as short_window:
        short_sale = place(mongo_db, redis_client, paper_id, side="SELL", price="1600")
    # Then it rests as a short sale after at most three round trips
    assert short_sale.state == "pending" and stored(mongo_db, short_sale.order_id)["position"] == "short"
    assert short_window.round_trips <= BUDGET, short_window.summary()
    # When a market MIS sell opens a short of 10, then a limit buy of 4 is placed (a cover)
    assert place(mongo_db, redis_client, paper_id, side="SELL", type="MARKET").state == "executed"
    assert kept(mongo_db, paper_id) == {"NSE:INFY": -10} and holding_quantity(mongo_db, paper_id) == -10
    with QUERY_SHAPES.window() as cover_window:
        cover = place(mongo_db, redis_client, paper_id, side="BUY", price="1400", quantity=4)
    # Then it rests as a cover, reserving 4 of the short, after at most three round trips
    assert cover.state == "pending" and stored(mongo_db, cover.order_id)["position"] == "short"
    holding = mongo_db["paper_holdings"].find_one({"_id": f"{paper_id}|NSE:INFY|MIS"})
    assert holding is not None and holding["free"] == -6
    assert cover_window.round_trips <= BUDGET, cover_window.summary()


def test_the_kept_positions_follow_fills_and_an_account_without_them_reads_its_holding(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given an account short 10 INFY MIS and long 5 of a symbol with a dot in it
    paper_id = open_account(mongo_db)
    quote(redis_client, "NSE:INFY", "1500")
    quote(redis_client, "NSE:A.B", "100")
    place(mongo_db, redis_client, paper_id, side="SELL", type="MARKET")
    place(mongo_db, redis_client, paper_id, symbol="A.B", side="BUY", type="MARKET", quantity=5)
    assert kept(mongo_db, paper_id) == {"NSE:INFY": -10, "NSE:A%2EB": 5}
    # When the short is bought back whole at market
    place(mongo_db, redis_client, paper_id, side="BUY", type="MARKET")
    # Then the account keeps only the open position, as its holdings say
    assert kept(mongo_db, paper_id) == {"NSE:A%2EB": 5}
    assert (holding_quantity(mongo_db, paper_id), holding_quantity(mongo_db, paper_id, "A.B")) == (0, 5)
    # When the account loses its kept positions (an account opened before they were kept) and a
    # market sell of 5 A.B is placed
    forget_kept_positions(mongo_db, paper_id)
    sold = place(mongo_db, redis_client, paper_id, symbol="A.B", side="SELL", type="MARKET", quantity=5)
    # Then it closes the long read from the holding (not a short sale), and the account keeps its
    # positions again from its holdings (none open after that sale)
    assert sold.state == "executed" and stored(mongo_db, sold.order_id)["position"] == "long"
    assert holding_quantity(mongo_db, paper_id, "A.B") == 0
    assert kept(mongo_db, paper_id) == {}
    # When a short sale of INFY is placed then
    with QUERY_SHAPES.window() as window:
        short = place(mongo_db, redis_client, paper_id, side="SELL", price="1600")
    # Then it is one, in three round trips (the position read with the account)
    assert stored(mongo_db, short.order_id)["position"] == "short"
    assert window.round_trips <= BUDGET, window.summary()


def test_an_account_without_kept_positions_starts_keeping_its_open_ones(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given an account short 10 INFY MIS that keeps no positions (opened before they were kept)
    paper_id = open_account(mongo_db)
    quote(redis_client, "NSE:INFY", "1500")
    place(mongo_db, redis_client, paper_id, side="SELL", type="MARKET")
    forget_kept_positions(mongo_db, paper_id)
    # When a limit buy of 1 INFY MIS is placed while a fill is in flight (a watermark left on the
    # account: its holding may not have it yet)
    mongo_db["paper_accounts"].update_one({"_id": paper_id}, {"$set": {"fillSeq.po_in_flight": 1}})
    first = place(mongo_db, redis_client, paper_id, side="BUY", price="1400", quantity=1)
    # Then it covers, read from the holding, and the account does not start keeping positions yet
    assert stored(mongo_db, first.order_id)["position"] == "short"
    assert "misPositions" not in (mongo_db["paper_accounts"].find_one({"_id": paper_id}) or {})
    # When that fill is applied (no watermark left) and a limit buy of 4 INFY MIS is placed
    mongo_db["paper_accounts"].update_one({"_id": paper_id}, {"$unset": {"fillSeq.po_in_flight": ""}})
    cover = place(mongo_db, redis_client, paper_id, side="BUY", price="1400", quantity=4)
    # Then it covers the short read from the holding, and the account keeps the short from now on
    assert stored(mongo_db, cover.order_id)["position"] == "short"
    assert kept(mongo_db, paper_id) == {"NSE:INFY": -10}
    # When the account is reset (its covers canceled first)
    for order_id in (first.order_id, cover.order_id):
        orders.cancel_order(mongo_db, redis_client, USER, paper_id, order_id)
    accounts.reset_account(mongo_db, redis_client, USER, paper_id)
    # Then it keeps positions, none open
    assert kept(mongo_db, paper_id) == {}
