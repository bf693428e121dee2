"""The MIS margin call against the real test store: a tick that takes an MIS position's loss to its
stop-out sells it at that tick's price; a gap through it never takes `available` below zero (the
rest is the account's debit, paid by the next credit, cleared by a reset); the feed's pass quotes
the open MIS positions' instruments even without resting orders."""

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
from tradetrack.paper import accounts, feed, matching, placement, reconcile
from tradetrack.paper.ledger import charges, margin
from tradetrack.paper.models import AccountIn, OrderIn
from tradetrack.paper.rules import Rules
from tradetrack.timeutil import IST

Db = Database[dict[str, Any]]
USER = "usr_paper_margin_call"
MORNING = datetime(2025, 3, 3, 10, 0, tzinfo=IST)  # a Monday, the market open


def clock() -> datetime:
    return MORNING


def rupees(amount: str) -> int:
    return to_scaled(Decimal(amount))


def quote(cache: redis.Redis, ltp: str) -> None:
    cache_quotes(cache, [Quote(symbol="NSE:INFY", ltp=Decimal(ltp), ts=datetime.now(UTC))])


def account(db: Db, balance: str) -> str:
    return accounts.open_account(db, USER, AccountIn(starting_balance=balance), now=clock).account_id


def place(db: Db, cache: redis.Redis, paper_id: str, rules: Rules, **fields: Any) -> Any:
    body = OrderIn.model_validate(
        {"symbol": "INFY", "exchange": "NSE", "side": "BUY", "quantity": 10, "product": "MIS", **fields}
    )
    return placement.place_order(db, cache, USER, paper_id, body, now=clock, rules=rules)


def account_doc(db: Db, paper_id: str) -> dict[str, Any]:
    doc = db["paper_accounts"].find_one({"_id": paper_id})
    assert doc is not None
    return doc


def fee(turnover: int, *, buy: bool) -> int:
    return charges("INFY", buy=buy, intraday=True, day=MORNING.date(), turnover=turnover)


def tick(db: Db, cache: redis.Redis, ltp: str, rules: Rules) -> None:
    matching.match_tick(db, cache, {"NSE:INFY": Decimal(ltp)}, now=clock, rules=rules)


def sells(db: Db, paper_id: str) -> list[dict[str, Any]]:
    return list(db["paper_orders"].find({"accountId": paper_id, "side": "SELL"}))


def test_a_tick_at_the_margin_call_sells_the_mis_position_at_that_price(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given 10 INFY bought MIS at 1000 (margin ₹2,000 at 5×) and an MIS limit sell resting at 1100
    rules = Rules(leverage=5, stopout_pct=100)
    paper_id = account(mongo_db, "100000")
    quote(redis_client, "1000")
    place(mongo_db, redis_client, paper_id, rules, type="MARKET")
    resting = place(mongo_db, redis_client, paper_id, rules, side="SELL", type="LIMIT", price="1100")
    # When INFY ticks at 800.01 (loss ₹1,999.90: short of the margin)
    tick(mongo_db, redis_client, "800.01", rules)
    # Then nothing is sold
    assert [o["state"] for o in sells(mongo_db, paper_id)] == ["pending"]
    # When it ticks at 800 (loss ₹2,000: the whole margin)
    tick(mongo_db, redis_client, "800", rules)
    # Then the resting sell is canceled and the position sold at 800 with the stop-out's reason
    by_id = {o["_id"]: o for o in sells(mongo_db, paper_id)}
    assert by_id.pop(resting.order_id)["state"] == "canceled"
    [stop] = by_id.values()
    assert stop["state"] == "executed" and stop["history"][0]["reason"].startswith("MIS stop-out")
    assert stop["fills"][0]["price"] == rupees("800") and stop["fills"][0]["realised"] == -rupees("2000")
    holding = mongo_db["paper_holdings"].find_one({"_id": f"{paper_id}|NSE:INFY|MIS"})
    assert holding is not None and holding["quantity"] == 0
    # And the account lost the margin and both legs' charges, its books balanced
    doc = account_doc(mongo_db, paper_id)
    lost = rupees("2000") + fee(10 * rupees("1000"), buy=True) + fee(10 * rupees("800"), buy=False)
    assert (int(doc["available"]), int(doc["held"]), int(doc["debit"])) == (rupees("100000") - lost, 0, 0)
    assert [r.drift for r in reconcile.reconcile(mongo_db, [paper_id])] == [0]


def test_a_gap_through_the_margin_call_records_a_debit_never_a_negative_available(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given an account of ₹2,100 that buys 10 INFY MIS at 1000 (margin ₹2,000 and charges)
    rules = Rules(leverage=5, stopout_pct=100)
    paper_id = account(mongo_db, "2100")
    quote(redis_client, "1000")
    place(mongo_db, redis_client, paper_id, rules, type="MARKET")
    left = rupees("2100") - margin(10 * rupees("1000"), 5) - fee(10 * rupees("1000"), buy=True)
    assert int(account_doc(mongo_db, paper_id)["available"]) == left
    # When INFY gaps from 1000 to 500 in one tick (a loss of ₹5,000: the margin and ₹3,000 more)
    tick(mongo_db, redis_client, "500", rules)
    # Then the position is sold at 500; available is zero and the rest of the loss is the debit
    [stop] = sells(mongo_db, paper_id)
    assert stop["state"] == "executed" and stop["fills"][0]["price"] == rupees("500")
    owed = rupees("3000") + fee(10 * rupees("500"), buy=False) - left
    doc = account_doc(mongo_db, paper_id)
    assert (int(doc["available"]), int(doc["held"]), int(doc["debit"])) == (0, 0, owed)
    # And the books balance with the debit; the API shows it beside a zero balance
    assert [r.drift for r in reconcile.reconcile(mongo_db, [paper_id])] == [0]
    shown = accounts.get_account(mongo_db, USER, paper_id).balance
    assert (shown.available, shown.debit) == ("0", str(Decimal(owed) / 10_000))
    # And a buy is refused (no funds); a reset clears the debit
    quote(redis_client, "500")
    with pytest.raises(SemanticError) as refused:
        place(mongo_db, redis_client, paper_id, rules, type="MARKET", quantity=1)
    assert refused.value.details[0]["issue"] == "insufficient_funds"
    accounts.reset_account(mongo_db, redis_client, USER, paper_id, now=clock)
    doc = account_doc(mongo_db, paper_id)
    assert (int(doc["available"]), int(doc["debit"])) == (rupees("2100"), 0)


def test_a_credit_pays_the_debit_first(mongo_db: Db, redis_client: redis.Redis) -> None:
    # Given an account in debit after a gap, holding 1 INFY delivery bought before it
    rules = Rules(leverage=5, stopout_pct=100)
    paper_id = account(mongo_db, "3100")
    quote(redis_client, "1000")
    place(mongo_db, redis_client, paper_id, rules, type="MARKET", quantity=1, product="CNC")
    place(mongo_db, redis_client, paper_id, rules, type="MARKET")
    tick(mongo_db, redis_client, "500", rules)
    owed = int(account_doc(mongo_db, paper_id)["debit"])
    assert owed > 0
    # When the delivery share is sold at 500
    quote(redis_client, "500")
    place(mongo_db, redis_client, paper_id, rules, type="MARKET", quantity=1, product="CNC", side="SELL")
    # Then its proceeds pay the debit first; available stays zero while any is owed
    proceeds = rupees("500") - charges(
        "INFY", buy=False, intraday=False, day=MORNING.date(), turnover=rupees("500")
    )
    doc = account_doc(mongo_db, paper_id)
    assert (int(doc["available"]), int(doc["debit"])) == (max(proceeds - owed, 0), max(owed - proceeds, 0))
    assert [r.drift for r in reconcile.reconcile(mongo_db, [paper_id])] == [0]


class Quotes:
    """A quote provider answering INFY at a set price."""

    name = "test"
    max_instruments_per_call = 50

    def __init__(self, ltp: str) -> None:
        self.ltp = Decimal(ltp)

    def fetch(self, symbols: Any) -> dict[str, Quote]:
        return {s: Quote(symbol=s, ltp=self.ltp, ts=datetime.now(UTC)) for s in symbols if s == "NSE:INFY"}


def test_the_feed_pass_quotes_open_mis_positions_and_stops_them_out(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given an MIS position and no resting order, the cache's quote gone
    rules = Rules(leverage=5, stopout_pct=50)
    paper_id = account(mongo_db, "100000")
    quote(redis_client, "1000")
    place(mongo_db, redis_client, paper_id, rules, type="MARKET")
    redis_client.flushdb()
    # When the feed's pass runs with the provider quoting INFY at 900 (loss ₹1,000: half the margin)
    result = feed.feed_pass(mongo_db, redis_client, Quotes("900"), now=clock, rules=rules)
    # Then the position was quoted and stopped out at 900 (PAPER_MIS_STOPOUT_PCT 50)
    [stop] = sells(mongo_db, paper_id)
    assert stop["state"] == "executed" and stop["fills"][0]["price"] == rupees("900")
    assert (result.reconciled, result.drifted) == (1, 0)
