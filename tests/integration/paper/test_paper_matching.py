"""Paper matching and consistency against the real test store: the feed's pass quotes resting
orders' instruments; parallel placements never over-commit one balance; parallel and replayed fills
apply once; a fill that lost the race to a cancel does nothing."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.errors import Conflict, SemanticError
from tradetrack.market.providers import ProviderError
from tradetrack.market.quote import Quote
from tradetrack.money import to_scaled
from tradetrack.paper import accounts, expiry, feed, fills, orders, placement
from tradetrack.paper.ledger import buy_hold
from tradetrack.paper.models import AccountIn, OrderIn
from tradetrack.timeutil import IST, ist_date

Db = Database[dict[str, Any]]
USER = "usr_paper_test"


class StubProvider:
    name = "stub"
    max_instruments_per_call = 50

    def __init__(self, prices: dict[str, str], *, fail: bool = False) -> None:
        self.prices, self.fail, self.asked = prices, fail, list[list[str]]()

    def fetch(self, symbols: Sequence[str]) -> dict[str, Quote]:
        self.asked.append(list(symbols))
        if self.fail:
            raise ProviderError("down")
        now = datetime.now(UTC)
        return {s: Quote(symbol=s, ltp=Decimal(self.prices[s]), ts=now) for s in symbols if s in self.prices}


def account(db: Db, balance: str = "100000") -> str:
    return accounts.open_account(db, USER, AccountIn(starting_balance=balance)).account_id


def limit_buy(db: Db, cache: redis.Redis, paper_id: str, price: str, quantity: int = 10) -> str:
    body = OrderIn(symbol="INFY", exchange="NSE", side="BUY", type="LIMIT", quantity=quantity, price=price)
    return placement.place_order(db, cache, USER, paper_id, body).order_id


def stored_balance(db: Db, paper_id: str) -> tuple[int, int]:
    doc = db["paper_accounts"].find_one({"_id": paper_id})
    assert doc is not None
    return int(doc["available"]), int(doc["held"])


def test_the_feed_pass_quotes_resting_instruments_and_fills_the_crossed(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given resting buys at 1400 and 1300, nothing cached, and a provider quoting INFY at 1350
    paper_id = account(mongo_db)
    high, low = (
        limit_buy(mongo_db, redis_client, paper_id, "1400"),
        limit_buy(mongo_db, redis_client, paper_id, "1300"),
    )
    provider = StubProvider({"NSE:INFY": "1350"})
    # When the feed's matching pass runs
    filled = feed.match_feed(mongo_db, redis_client, provider)
    # Then it asked for the resting instrument once, and only the order the price crossed filled
    assert provider.asked == [["NSE:INFY"]] and filled == 1
    states = {o["_id"]: o["state"] for o in mongo_db["paper_orders"].find({"accountId": paper_id})}
    assert states == {high: "executed", low: "pending"}
    # And a failing provider leaves the rest pending, at the cached (fresh) 1350: nothing more
    assert feed.match_feed(mongo_db, redis_client, StubProvider({}, fail=True)) == 0
    assert mongo_db["paper_orders"].find_one({"_id": low}, {"state": 1}) == {"_id": low, "state": "pending"}


def test_parallel_placements_never_over_commit_one_balance(mongo_db: Db, redis_client: redis.Redis) -> None:
    # Given ₹50,000 and orders each holding a little under ₹10,000: five fit, not six
    paper_id = account(mongo_db, "50000")
    one = buy_hold(
        "INFY", intraday=False, day=ist_date(datetime.now(UTC)), quantity=10, price=to_scaled(Decimal("990"))
    )
    assert 5 * one <= to_scaled(Decimal(50000)) < 6 * one

    def attempt(_: int) -> bool:
        try:
            limit_buy(mongo_db, redis_client, paper_id, "990")
            return True
        except SemanticError:
            return False

    # When 16 placements race on 8 threads
    with ThreadPoolExecutor(max_workers=8) as pool:
        placed = sum(pool.map(attempt, range(16)))
    # Then exactly five were placed; held is their holds; nothing went negative; total is intact
    available, held = stored_balance(mongo_db, paper_id)
    assert placed == 5 and held == 5 * one and available == to_scaled(Decimal(50000)) - 5 * one >= 0
    orders = list(mongo_db["paper_orders"].find({"accountId": paper_id, "state": "pending"}))
    assert sum(o["held"] for o in orders) == held and len(orders) == 5


def test_parallel_and_replayed_fills_apply_once(mongo_db: Db, redis_client: redis.Redis) -> None:
    # Given a resting buy at 1400
    paper_id = account(mongo_db)
    order_id = limit_buy(mongo_db, redis_client, paper_id, "1400")
    # When eight workers fill it at once at 1390, then it is filled again (a redelivered tick)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: fills.fill_order(mongo_db, redis_client, order_id, 13_900_000), range(8)))
    once = stored_balance(mongo_db, paper_id)
    order = mongo_db["paper_orders"].find_one({"_id": order_id})
    assert order is not None
    fills.complete(mongo_db, redis_client, order)
    fills.fill_order(mongo_db, redis_client, order_id, 13_000_000)
    # Then one fill, one execution, one holding of 10, and the balance as after the first
    assert stored_balance(mongo_db, paper_id) == once and once[1] == 0
    after = mongo_db["paper_orders"].find_one({"_id": order_id})
    assert after is not None and len(after["fills"]) == 1 and after["fills"][0]["price"] == 13_900_000
    assert [h["state"] for h in after["history"]] == ["pending", "executed"]
    assert mongo_db["executions"].count_documents({"userId": USER, "source": "paper"}) == 1
    [holding] = list(mongo_db["paper_holdings"].find({"accountId": paper_id}))
    assert holding["quantity"] == 10 and holding["free"] == 10


def test_a_cancel_and_a_fill_racing_end_one_way(mongo_db: Db, redis_client: redis.Redis) -> None:
    # Given ten resting buys
    paper_id = account(mongo_db, "1000000")
    orders = [limit_buy(mongo_db, redis_client, paper_id, "1400") for _ in range(10)]

    def race(order_id: str) -> None:
        with ThreadPoolExecutor(max_workers=2) as pool:
            pool.submit(fills.fill_order, mongo_db, redis_client, order_id, 14_000_000)
            pool.submit(lambda: _cancel_quietly(mongo_db, redis_client, paper_id, order_id))

    # When each is canceled and filled at the same time
    for order_id in orders:
        race(order_id)
    # Then each ended executed or canceled, nothing is held, and the money adds up exactly
    docs = list(mongo_db["paper_orders"].find({"accountId": paper_id}))
    assert {d["state"] for d in docs} <= {"executed", "canceled"}
    executed = [d for d in docs if d["state"] == "executed"]
    available, held = stored_balance(mongo_db, paper_id)
    spent = sum(
        d["fills"][0]["price"] * d["fills"][0]["quantity"] + d["fills"][0]["charges"] for d in executed
    )
    assert held == 0 and available == to_scaled(Decimal(1000000)) - spent
    assert mongo_db["executions"].count_documents({"userId": USER}) == len(executed)


def _cancel_quietly(db: Db, cache: redis.Redis, paper_id: str, order_id: str) -> None:
    with contextlib.suppress(Conflict):  # the fill won: 409
        orders.cancel_order(db, cache, USER, paper_id, order_id)


def test_a_day_order_expires_at_its_sessions_close_and_gives_back_its_hold(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given a limit buy placed on Monday 3 March 2025 at 10:00 IST
    paper_id = account(mongo_db)
    placed_at = datetime(2025, 3, 3, 10, 0, tzinfo=IST)
    body = OrderIn(symbol="INFY", exchange="NSE", side="BUY", type="LIMIT", quantity=10, price="1400")
    order = placement.place_order(mongo_db, redis_client, USER, paper_id, body, now=lambda: placed_at)
    assert order.expires_at == datetime(2025, 3, 3, 15, 30, tzinfo=IST)
    # When the expiry pass runs a minute before the close, then at the close, then again
    before = expiry.expire_day_orders(
        mongo_db, redis_client, now=lambda: datetime(2025, 3, 3, 15, 29, tzinfo=IST)
    )
    at_close = expiry.expire_day_orders(
        mongo_db, redis_client, now=lambda: datetime(2025, 3, 3, 15, 30, tzinfo=IST)
    )
    again = expiry.expire_day_orders(
        mongo_db, redis_client, now=lambda: datetime(2025, 3, 3, 16, 0, tzinfo=IST)
    )
    # Then it expired once, at the close, and the whole balance is available again
    assert (before, at_close, again) == (0, 1, 0)
    doc = mongo_db["paper_orders"].find_one({"_id": order.order_id})
    assert doc is not None and [h["state"] for h in doc["history"]] == ["pending", "expired"]
    assert stored_balance(mongo_db, paper_id) == (to_scaled(Decimal(100000)), 0)
    # And an expired order can no longer fill
    assert fills.fill_order(mongo_db, redis_client, order.order_id, 13_000_000) is None
