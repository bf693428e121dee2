"""Paper fills only while NSE equity is open (09:15-15:30 IST on trading days), the clock injected,
against the real test store: orders placed after the close wait for the open (a market order as an
AMO, held at the last quote, filled at the open's first tick); ticks outside hours fill nothing;
IOC is refused while closed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import redis
from pymongo.database import Database

from tradetrack.errors import SemanticError
from tradetrack.market.cache import cache_quotes
from tradetrack.market.quote import Quote
from tradetrack.money import to_scaled
from tradetrack.paper import accounts, matching, placement, reconcile
from tradetrack.paper.ledger import cost_of
from tradetrack.paper.models import AccountIn, OrderIn
from tradetrack.paper.rules import Rules
from tradetrack.timeutil import IST

Db = Database[dict[str, Any]]
USER = "usr_paper_hours"
RULES = Rules(market_hours=True)
MONDAY_EVENING = datetime(2025, 3, 3, 20, 0, tzinfo=IST)  # after the close
TUESDAY_PREOPEN = datetime(2025, 3, 4, 9, 10, tzinfo=IST)
TUESDAY_OPEN = datetime(2025, 3, 4, 9, 15, tzinfo=IST)
SATURDAY = datetime(2025, 3, 8, 11, 0, tzinfo=IST)


def rupees(amount: str) -> int:
    return to_scaled(Decimal(amount))


def quote(cache: redis.Redis, ltp: str) -> None:
    cache_quotes(cache, [Quote(symbol="NSE:INFY", ltp=Decimal(ltp), ts=datetime.now(UTC))])


def place(db: Db, cache: redis.Redis, paper_id: str, at: datetime, **fields: Any) -> Any:
    body = OrderIn.model_validate(
        {"symbol": "INFY", "exchange": "NSE", "side": "BUY", "quantity": 10, **fields}
    )
    return placement.place_order(db, cache, USER, paper_id, body, now=lambda: at, rules=RULES)


def tick(db: Db, cache: redis.Redis, ltp: str, at: datetime) -> int:
    return matching.match_tick(db, cache, {"NSE:INFY": Decimal(ltp)}, now=lambda: at, rules=RULES)


def stored(db: Db, order_id: str) -> dict[str, Any]:
    doc = db["paper_orders"].find_one({"_id": order_id})
    assert doc is not None
    return doc


def account(db: Db, balance: str = "100000") -> str:
    return accounts.open_account(
        db, USER, AccountIn(starting_balance=balance), now=lambda: MONDAY_EVENING
    ).account_id


def test_orders_placed_after_the_close_wait_for_the_open(mongo_db: Db, redis_client: redis.Redis) -> None:
    # Given INFY last at 1500 and, on Monday evening, a market buy (an AMO) and a limit buy at 1490
    paper_id = account(mongo_db)
    quote(redis_client, "1500")
    amo = place(mongo_db, redis_client, paper_id, MONDAY_EVENING, type="MARKET")
    limit = place(mongo_db, redis_client, paper_id, MONDAY_EVENING, type="LIMIT", price="1490")
    # Then both are pending; the market order holds its cost at the last quote and says it waits
    assert (amo.state, limit.state) == ("pending", "pending")
    day = MONDAY_EVENING.date()
    assert to_scaled(Decimal(amo.held)) == cost_of(
        "INFY", mis=False, leverage=5, day=day, turnover=10 * rupees("1500")
    )
    assert amo.history[0].reason == placement.AMO_REASON and amo.price is None
    # When ticks cross both at 1480 that evening, on Tuesday's pre-open and on a Saturday
    fills = [tick(mongo_db, redis_client, "1480", at) for at in (MONDAY_EVENING, TUESDAY_PREOPEN, SATURDAY)]
    # Then nothing fills
    assert fills == [0, 0, 0]
    assert {stored(mongo_db, o.order_id)["state"] for o in (amo, limit)} == {"pending"}
    # When the open's first tick is at 1480
    assert tick(mongo_db, redis_client, "1480", TUESDAY_OPEN) == 2
    # Then the AMO filled whole at the open's price, the limit buy at the tick, the books balanced
    for placed in (amo, limit):
        doc = stored(mongo_db, placed.order_id)
        assert doc["state"] == "executed" and [f["price"] for f in doc["fills"]] == [rupees("1480")]
    held = mongo_db["paper_accounts"].find_one({"_id": paper_id})
    assert held is not None and held["held"] == 0
    assert [r.drift for r in reconcile.reconcile(mongo_db, [paper_id])] == [0]


def test_an_amo_buy_the_open_price_makes_unaffordable_is_rejected_and_gives_its_hold_back(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given ₹15,100 and an AMO buy of 10 INFY held at 1500
    paper_id = account(mongo_db, "15100")
    quote(redis_client, "1500")
    amo = place(mongo_db, redis_client, paper_id, MONDAY_EVENING, type="MARKET")
    # When INFY opens at 1600 (₹16,000 and charges: more than the account has)
    tick(mongo_db, redis_client, "1600", TUESDAY_OPEN)
    # Then the order is rejected at the open and the whole balance is available again
    doc = stored(mongo_db, amo.order_id)
    assert doc["state"] == "rejected" and doc["history"][-1]["reason"] == "insufficient funds at the open"
    after = mongo_db["paper_accounts"].find_one({"_id": paper_id})
    assert after is not None and (after["available"], after["held"]) == (rupees("15100"), 0)


def test_an_amo_sell_fills_at_the_open(mongo_db: Db, redis_client: redis.Redis) -> None:
    # Given 10 INFY bought during Monday's session, sold at market on Monday evening
    paper_id = account(mongo_db)
    quote(redis_client, "1500")
    monday = datetime(2025, 3, 3, 11, 0, tzinfo=IST)
    assert place(mongo_db, redis_client, paper_id, monday, type="MARKET").state == "executed"
    sale = place(mongo_db, redis_client, paper_id, MONDAY_EVENING, type="MARKET", side="SELL")
    assert sale.state == "pending"
    # When Tuesday opens at 1510
    tick(mongo_db, redis_client, "1510", TUESDAY_OPEN)
    # Then it sold at 1510
    doc = stored(mongo_db, sale.order_id)
    assert doc["state"] == "executed" and doc["fills"][0]["price"] == rupees("1510")


def test_ioc_is_refused_while_the_market_is_closed(mongo_db: Db, redis_client: redis.Redis) -> None:
    # Given a closed market / When an IOC limit buy is placed / Then 422 market_closed, nothing held
    paper_id = account(mongo_db)
    quote(redis_client, "1500")
    with pytest.raises(SemanticError) as refused:
        place(mongo_db, redis_client, paper_id, SATURDAY, type="LIMIT", price="1500", validity="IOC")
    assert refused.value.details == [{"field": "validity", "issue": "market_closed"}]
    after = mongo_db["paper_accounts"].find_one({"_id": paper_id})
    assert after is not None and after["held"] == 0
