"""Intraday short selling against the real test store: an MIS sell without an MIS long opens a short
(its margin blocked, its proceeds the position's basis), buys cover it (reserving the short's
quantity), the 15:20 square-off and the margin call buy it back; a delivery sell without the shares
stays refused."""

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
from tradetrack.paper import accounts, matching, placement, reconcile, squareoff
from tradetrack.paper.ledger import charges, margin
from tradetrack.paper.models import AccountIn, OrderIn
from tradetrack.paper.rules import Rules
from tradetrack.timeutil import IST

Db = Database[dict[str, Any]]
USER = "usr_paper_shorts"
MORNING = datetime(2025, 3, 3, 10, 0, tzinfo=IST)  # a Monday, the market open
START = "100000"
RULES = Rules(leverage=5)


def rupees(amount: str) -> int:
    return to_scaled(Decimal(amount))


def quote(cache: redis.Redis, ltp: str) -> None:
    cache_quotes(cache, [Quote(symbol="NSE:INFY", ltp=Decimal(ltp), ts=datetime.now(UTC))])


def account(db: Db) -> str:
    return accounts.open_account(db, USER, AccountIn(starting_balance=START), now=lambda: MORNING).account_id


def place(db: Db, cache: redis.Redis, paper_id: str, *, at: datetime = MORNING, **fields: Any) -> Any:
    body = OrderIn.model_validate(
        {"symbol": "INFY", "exchange": "NSE", "side": "SELL", "quantity": 10, "product": "MIS", **fields}
    )
    return placement.place_order(db, cache, USER, paper_id, body, now=lambda: at, rules=RULES)


def position(db: Db, paper_id: str) -> dict[str, Any]:
    doc = db["paper_holdings"].find_one({"_id": f"{paper_id}|NSE:INFY|MIS"})
    assert doc is not None
    return doc


def balance(db: Db, paper_id: str) -> tuple[int, int]:
    doc = db["paper_accounts"].find_one({"_id": paper_id})
    assert doc is not None
    return int(doc["available"]), int(doc["held"])


def intraday(turnover: int, *, buy: bool) -> int:
    return charges("INFY", buy=buy, intraday=True, day=MORNING.date(), turnover=turnover)


def test_an_mis_short_is_opened_covered_in_part_and_squared_off_at_1520(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given an account without INFY, INFY at 1500
    paper_id = account(mongo_db)
    quote(redis_client, "1500")
    # When it sells 10 INFY MIS at market
    sold = place(mongo_db, redis_client, paper_id, type="MARKET")
    # Then a short of 10 is open: its margin (₹3,000 at 5×) and the sale's charges are taken
    assert sold.state == "executed"
    short = position(mongo_db, paper_id)
    assert (short["quantity"], short["free"], short["cost"]) == (-10, -10, 10 * rupees("1500"))
    blocked = margin(10 * rupees("1500"), 5)
    sale_fee = intraday(10 * rupees("1500"), buy=False)
    assert short["margin"] == blocked
    assert balance(mongo_db, paper_id) == (rupees(START) - blocked - sale_fee, 0)
    # When a limit buy of 4 at 1450 covers part of it (reserving 4 of the short) and a tick at 1440 fills it
    cover = place(mongo_db, redis_client, paper_id, side="BUY", type="LIMIT", price="1450", quantity=4)
    assert cover.state == "pending" and position(mongo_db, paper_id)["free"] == -6
    matching.match_tick(
        mongo_db, redis_client, {"NSE:INFY": Decimal("1440")}, now=lambda: MORNING, rules=RULES
    )
    # Then 4 are bought back at 1440: ₹240 realised, 4/10 of the margin freed, the buy's charges paid
    done = mongo_db["paper_orders"].find_one({"_id": cover.order_id})
    assert done is not None and done["state"] == "executed"
    assert done["fills"][0]["realised"] == 4 * rupees("60")
    left = position(mongo_db, paper_id)
    assert (left["quantity"], left["free"], left["margin"]) == (-6, -6, blocked - blocked * 4 // 10)
    # When the 15:20 square-off runs with INFY at 1520
    quote(redis_client, "1520")
    squared = squareoff.square_off(
        mongo_db, redis_client, now=lambda: datetime(2025, 3, 3, 15, 20, tzinfo=IST), rules=RULES
    )
    # Then the rest of the short is bought back at 1520 (a ₹120 loss); nothing is left blocked
    assert squared == 1
    closed = position(mongo_db, paper_id)
    assert (closed["quantity"], closed["free"], closed["margin"], closed["cost"]) == (0, 0, 0, 0)
    realised = 4 * rupees("60") - 6 * rupees("20")
    fees = sale_fee + intraday(4 * rupees("1440"), buy=True) + intraday(6 * rupees("1520"), buy=True)
    assert balance(mongo_db, paper_id) == (rupees(START) + realised - fees, 0)
    assert [r.drift for r in reconcile.reconcile(mongo_db, [paper_id])] == [0]
    # And the journal holds the short trade: one sale, two buys
    sides = sorted(e["side"] for e in mongo_db["executions"].find({"accountId": paper_id}))
    assert sides == ["BUY", "BUY", "SELL"]


def test_a_cover_cannot_buy_more_than_the_short_and_a_cnc_sell_needs_shares(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given a short of 10
    paper_id = account(mongo_db)
    quote(redis_client, "1500")
    place(mongo_db, redis_client, paper_id, type="MARKET")
    # When a cover of 6 rests and another of 6 is placed / Then the second is 422 (4 left to cover)
    place(mongo_db, redis_client, paper_id, side="BUY", type="LIMIT", price="1400", quantity=6)
    with pytest.raises(SemanticError) as refused:
        place(mongo_db, redis_client, paper_id, side="BUY", type="LIMIT", price="1400", quantity=6)
    assert refused.value.details[0]["issue"] == "insufficient_holdings"
    # And a delivery sell of INFY, which the account does not hold, is refused
    with pytest.raises(SemanticError) as delivery:
        place(mongo_db, redis_client, paper_id, type="MARKET", product="CNC")
    assert delivery.value.details[0]["issue"] == "insufficient_holdings"


def test_a_short_is_stopped_out_when_the_price_rises_through_its_margin(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given a short of 10 at 1000 (margin ₹2,000)
    paper_id = account(mongo_db)
    quote(redis_client, "1000")
    place(mongo_db, redis_client, paper_id, type="MARKET")
    # When INFY ticks at 1199.99, then at 1200 (a ₹2,000 loss)
    for ltp in ("1199.99", "1200"):
        matching.match_tick(
            mongo_db, redis_client, {"NSE:INFY": Decimal(ltp)}, now=lambda: MORNING, rules=RULES
        )
        if ltp == "1199.99":
            assert position(mongo_db, paper_id)["quantity"] == -10
    # Then the short was bought back at 1200 with the stop-out's reason
    [cover] = mongo_db["paper_orders"].find({"accountId": paper_id, "side": "BUY"})
    assert cover["state"] == "executed" and cover["fills"][0]["price"] == rupees("1200")
    assert cover["history"][0]["reason"].startswith("MIS stop-out")
    assert position(mongo_db, paper_id)["quantity"] == 0
    assert [r.drift for r in reconcile.reconcile(mongo_db, [paper_id])] == [0]


def test_a_short_sale_whose_position_turned_long_first_is_rejected(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given, flat, an MIS short sale resting at 1510, then an MIS buy of 10 filled at market
    paper_id = account(mongo_db)
    quote(redis_client, "1500")
    short = place(mongo_db, redis_client, paper_id, type="LIMIT", price="1510")
    place(mongo_db, redis_client, paper_id, side="BUY", type="MARKET")
    # When a tick at 1510 reaches the short sale
    matching.match_tick(
        mongo_db, redis_client, {"NSE:INFY": Decimal("1510")}, now=lambda: MORNING, rules=RULES
    )
    # Then it is rejected (the position is long: sell it instead), its hold given back
    doc = mongo_db["paper_orders"].find_one({"_id": short.order_id})
    assert doc is not None and doc["state"] == "rejected"
    assert position(mongo_db, paper_id)["quantity"] == 10 and balance(mongo_db, paper_id)[1] == 0
    assert [r.drift for r in reconcile.reconcile(mongo_db, [paper_id])] == [0]
