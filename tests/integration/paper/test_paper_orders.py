"""Paper order types and matching rules against the real test store: partial fills against a
tick's volume (held stays exactly what the rest needs), SL and SL-M triggers, IOC, MIS on margin
and its 15:20 square-off, market slippage, bounded fill watermarks, reconciliation, events."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
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
from tradetrack.paper import accounts, feed, fills, matching, orders, placement, reconcile, squareoff
from tradetrack.paper.events import Events
from tradetrack.paper.ledger import charges, cost_of, margin
from tradetrack.paper.models import AccountIn, OrderIn
from tradetrack.paper.rules import Rules
from tradetrack.timeutil import IST, ist_date

Db = Database[dict[str, Any]]
USER = "usr_paper_orders"
START = to_scaled(Decimal(100000))
RULES = Rules(leverage=5, tick_volume=4)


def rupees(amount: str) -> int:
    return to_scaled(Decimal(amount))


def account(db: Db, balance: str = "100000") -> str:
    return accounts.open_account(db, USER, AccountIn(starting_balance=balance)).account_id


def stored(db: Db, collection: str, doc_id: str) -> dict[str, Any]:
    doc = db[collection].find_one({"_id": doc_id})
    assert doc is not None
    return doc


def balance(db: Db, paper_id: str) -> tuple[int, int]:
    doc = stored(db, "paper_accounts", paper_id)
    return int(doc["available"]), int(doc["held"])


def quote(cache: redis.Redis, ltp: str, symbol: str = "NSE:INFY") -> None:
    cache_quotes(cache, [Quote(symbol=symbol, ltp=Decimal(ltp), ts=datetime.now(UTC))])


def order(**fields: Any) -> OrderIn:
    return OrderIn.model_validate(
        {"symbol": "INFY", "exchange": "NSE", "side": "BUY", "quantity": 10, **fields}
    )


def buy_cost(quantity: int, price: str, *, mis: bool = False) -> int:
    """An independent figure: value (or margin) and charges of one whole fill."""
    turnover = quantity * rupees(price)
    fee = charges("INFY", buy=True, intraday=mis, day=ist_date(datetime.now(UTC)), turnover=turnover)
    return (margin(turnover, 5) if mis else turnover) + fee


def test_a_limit_buy_fills_partly_on_each_tick_and_its_cancel_gives_back_exactly_the_rest(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given a limit buy of 10 at 1400, ticks offering 4 shares each
    paper_id = account(mongo_db)
    events = Events()
    placed = placement.place_order(
        mongo_db, redis_client, USER, paper_id, order(type="LIMIT", price="1400"), rules=RULES, events=events
    )
    hold = buy_cost(10, "1400")
    assert balance(mongo_db, paper_id) == (START - hold, hold)
    # When two ticks at 1390 cross it
    for _ in range(2):
        matching.match_tick(mongo_db, redis_client, {"NSE:INFY": Decimal("1390")}, rules=RULES, events=events)
    # Then 8 filled in two fills and it is partially executed; held is what the 2 left need at most
    doc = stored(mongo_db, "paper_orders", placed.order_id)
    assert doc["state"] == "partially_executed" and doc["filled"] == 8
    assert [f["quantity"] for f in doc["fills"]] == [4, 4]
    spent = sum(f["quantity"] * f["price"] + f["charges"] for f in doc["fills"])
    assert sum(f["charges"] for f in doc["fills"]) == charges(
        "INFY", buy=True, intraday=False, day=ist_date(datetime.now(UTC)), turnover=8 * rupees("1390")
    )
    available, held = balance(mongo_db, paper_id)
    assert held == doc["held"] == hold - spent and available == START - hold
    # When the rest is canceled
    canceled = orders.cancel_order(mongo_db, redis_client, USER, paper_id, placed.order_id, events=events)
    # Then nothing is held, the account paid exactly its two fills, and the history shows every step
    assert canceled.state == "canceled" and canceled.filled_quantity == 8
    assert [h.state for h in canceled.history] == [
        "pending",
        "partially_executed",
        "partially_executed",
        "canceled",
    ]
    assert balance(mongo_db, paper_id) == (START - spent, 0)
    holding = stored(mongo_db, "paper_holdings", f"{paper_id}|NSE:INFY")
    assert (holding["quantity"], holding["free"], holding["cost"]) == (8, 8, 8 * rupees("1390"))
    assert mongo_db["executions"].count_documents({"accountId": paper_id}) == 2
    # And the events: placed, two partial executions, canceled, with balance changes between
    kinds = [(e["type"], e.get("event")) for e in events.items]
    assert [k for k in kinds if k[0] == "paper_order"] == [
        ("paper_order", "placed"),
        ("paper_order", "partially_executed"),
        ("paper_order", "partially_executed"),
        ("paper_order", "canceled"),
    ]
    assert kinds.count(("paper_balance", None)) == 4


def test_the_last_partial_fill_executes_the_order_and_returns_what_it_did_not_cost(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given a limit buy of 10 at 1400 and ticks of 4 shares
    paper_id = account(mongo_db)
    placed = placement.place_order(
        mongo_db, redis_client, USER, paper_id, order(type="LIMIT", price="1400"), rules=RULES
    )
    # When three ticks at 1390, 1380 and 1395 cross it
    for price in ("1390", "1380", "1395"):
        matching.match_tick(mongo_db, redis_client, {"NSE:INFY": Decimal(price)}, rules=RULES)
    # Then it executed in 4 + 4 + 2, held is zero and the account paid exactly the fills
    doc = stored(mongo_db, "paper_orders", placed.order_id)
    assert doc["state"] == "executed" and [f["quantity"] for f in doc["fills"]] == [4, 4, 2]
    spent = sum(f["quantity"] * f["price"] + f["charges"] for f in doc["fills"])
    assert balance(mongo_db, paper_id) == (START - spent, 0)
    # And the settled order gave up its watermarks: the account and holding keep none for it
    assert doc["settled"] is True
    assert placed.order_id not in stored(mongo_db, "paper_accounts", paper_id).get("fillSeq", {})
    assert placed.order_id not in stored(mongo_db, "paper_holdings", f"{paper_id}|NSE:INFY").get(
        "fillSeq", {}
    )
    # And replaying any of its fills changes nothing
    before = balance(mongo_db, paper_id)
    fills.complete(mongo_db, redis_client, {**doc, "settled": False})
    for record in doc["fills"]:
        fills.apply_fill(mongo_db, redis_client, doc, record)
    assert balance(mongo_db, paper_id) == before
    assert stored(mongo_db, "paper_holdings", f"{paper_id}|NSE:INFY")["quantity"] == 10
    assert mongo_db["executions"].count_documents({"accountId": paper_id}) == 3


def test_parallel_ticks_fill_one_order_once_per_sequence(mongo_db: Db, redis_client: redis.Redis) -> None:
    # Given a limit buy of 40 at 1400 and ticks of 4 shares
    paper_id = account(mongo_db)
    placed = placement.place_order(
        mongo_db, redis_client, USER, paper_id, order(type="LIMIT", price="1400", quantity=40), rules=RULES
    )
    # When 8 ticks race on 8 threads
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(
            pool.map(
                lambda _: matching.match_tick(
                    mongo_db, redis_client, {"NSE:INFY": Decimal("1390")}, rules=RULES
                ),
                range(8),
            )
        )
    # Then the fills are numbered 1..n without gaps, the filled quantity is their sum, and money is exact
    doc = stored(mongo_db, "paper_orders", placed.order_id)
    assert [f["seq"] for f in doc["fills"]] == list(range(1, len(doc["fills"]) + 1))
    assert doc["filled"] == sum(f["quantity"] for f in doc["fills"]) <= 40
    spent = sum(f["quantity"] * f["price"] + f["charges"] for f in doc["fills"])
    available, held = balance(mongo_db, paper_id)
    assert available + held == START - spent and held == doc["held"] >= 0
    assert stored(mongo_db, "paper_holdings", f"{paper_id}|NSE:INFY")["quantity"] == doc["filled"]
    assert [r.drift for r in reconcile.reconcile(mongo_db, [paper_id])] == [0]


def test_a_stop_loss_buy_rests_at_its_limit_once_triggered(mongo_db: Db, redis_client: redis.Redis) -> None:
    # Given an SL buy triggered at 1450, limited at 1460
    paper_id = account(mongo_db)
    rules = Rules()
    placed = placement.place_order(
        mongo_db,
        redis_client,
        USER,
        paper_id,
        order(type="SL", price="1460", triggerPrice="1450"),
        rules=rules,
    )
    assert placed.state == "pending" and placed.trigger_price == "1450" and placed.price == "1460"
    # When the price is 1440 (under the trigger), then 1455
    first = matching.match_tick(mongo_db, redis_client, {"NSE:INFY": Decimal("1440")}, rules=rules)
    second = matching.match_tick(mongo_db, redis_client, {"NSE:INFY": Decimal("1455")}, rules=rules)
    # Then nothing filled at 1440; at 1455 it triggered and filled whole at the quote
    doc = stored(mongo_db, "paper_orders", placed.order_id)
    assert (first, second) == (0, 1) and doc["state"] == "executed" and doc["triggeredAt"] is not None
    assert [(f["quantity"], f["price"]) for f in doc["fills"]] == [(10, rupees("1455"))]
    # And a tick over the limit would not have filled a triggered SL: one placed and triggered at 1470
    other = placement.place_order(
        mongo_db,
        redis_client,
        USER,
        paper_id,
        order(type="SL", price="1460", triggerPrice="1450"),
        rules=rules,
    )
    assert matching.match_tick(mongo_db, redis_client, {"NSE:INFY": Decimal("1470")}, rules=rules) == 0
    rest = stored(mongo_db, "paper_orders", other.order_id)
    assert rest["state"] == "pending" and rest["triggeredAt"] is not None and rest["price"] == rupees("1460")


def test_a_stop_loss_market_sell_fills_at_the_market_when_the_price_falls_to_it(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given 10 INFY bought at 1500 and an SL-M sell triggered at 1400
    paper_id = account(mongo_db)
    rules = Rules()
    quote(redis_client, "1500")
    placement.place_order(mongo_db, redis_client, USER, paper_id, order(type="MARKET"), rules=rules)
    stop = placement.place_order(
        mongo_db,
        redis_client,
        USER,
        paper_id,
        order(side="SELL", type="SL-M", triggerPrice="1400"),
        rules=rules,
    )
    # When the price is 1410, then 1390
    matching.match_tick(mongo_db, redis_client, {"NSE:INFY": Decimal("1410")}, rules=rules)
    assert stored(mongo_db, "paper_orders", stop.order_id)["state"] == "pending"
    matching.match_tick(mongo_db, redis_client, {"NSE:INFY": Decimal("1390")}, rules=rules)
    # Then it sold 10 at 1390: realised (1390 − 1500) × 10, the holding is gone
    doc = stored(mongo_db, "paper_orders", stop.order_id)
    assert doc["state"] == "executed" and doc["fills"][0]["price"] == rupees("1390")
    assert doc["fills"][0]["realised"] == 10 * (rupees("1390") - rupees("1500"))
    assert stored(mongo_db, "paper_holdings", f"{paper_id}|NSE:INFY")["quantity"] == 0
    assert [r.drift for r in reconcile.reconcile(mongo_db, [paper_id])] == [0]


def test_an_ioc_order_fills_what_the_quote_allows_and_cancels_the_rest(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given a quote of 1390 and ticks of 4 shares
    paper_id = account(mongo_db)
    quote(redis_client, "1390")
    # When an IOC buy of 10 limited at 1400 is placed, and another limited at 1380
    crossing = placement.place_order(
        mongo_db, redis_client, USER, paper_id, order(type="LIMIT", price="1400", validity="IOC"), rules=RULES
    )
    under = placement.place_order(
        mongo_db, redis_client, USER, paper_id, order(type="LIMIT", price="1380", validity="IOC"), rules=RULES
    )
    # Then the first filled 4 at 1390 and its 6 were canceled; the second filled nothing
    assert crossing.state == "canceled" and crossing.filled_quantity == 4
    assert [h.state for h in crossing.history] == ["pending", "partially_executed", "canceled"]
    assert under.state == "canceled" and under.filled_quantity == 0
    spent = sum(
        f["quantity"] * f["price"] + f["charges"]
        for f in stored(mongo_db, "paper_orders", crossing.order_id)["fills"]
    )
    assert balance(mongo_db, paper_id) == (START - spent, 0)


def test_a_market_order_pays_the_slippage_of_the_depth_it_takes(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given 10 bps of slippage per lot of 100 shares and a quote of 1000
    paper_id = account(mongo_db, "1000000")
    quote(redis_client, "1000")
    rules = Rules(slippage_bps_per_lot=10, slippage_lot=100)
    # When 150 are bought at market (two lots), then 50 sold (one lot)
    bought = placement.place_order(
        mongo_db, redis_client, USER, paper_id, order(type="MARKET", quantity=150), rules=rules
    )
    sold = placement.place_order(
        mongo_db, redis_client, USER, paper_id, order(side="SELL", type="MARKET", quantity=50), rules=rules
    )
    # Then the buy filled 0.2% over the quote and the sell 0.1% under it
    assert bought.fills[0].price == "1002" and sold.fills[0].price == "999"


def test_an_mis_buy_holds_its_margin_and_is_squared_off_at_1520(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given an account opened on Monday 3 March 2025 10:00 IST, 5× leverage, INFY at 1500
    morning = datetime(2025, 3, 3, 10, 0, tzinfo=IST)
    paper_id = accounts.open_account(
        mongo_db, USER, AccountIn(starting_balance="100000"), now=lambda: morning
    ).account_id
    rules = Rules(leverage=5)
    quote(redis_client, "1500")
    # When 10 are bought MIS at market, and an MIS limit buy rests at 1000
    bought = placement.place_order(
        mongo_db,
        redis_client,
        USER,
        paper_id,
        order(type="MARKET", product="MIS"),
        now=lambda: morning,
        rules=rules,
    )
    resting = placement.place_order(
        mongo_db, redis_client, USER, paper_id, order(type="LIMIT", price="1000", product="MIS"),
        now=lambda: morning, rules=rules,
    )  # fmt: skip
    # Then the fill cost its margin (value / 5) and the intraday charges, not its value
    fill = bought.fills[0]
    assert to_scaled(Decimal(fill.charges)) == charges(
        "INFY", buy=True, intraday=True, day=morning.date(), turnover=10 * rupees("1500")
    )
    paid = margin(10 * rupees("1500"), 5) + to_scaled(Decimal(fill.charges))
    rest_hold = cost_of("INFY", mis=True, leverage=5, day=morning.date(), turnover=10 * rupees("1000"))
    assert balance(mongo_db, paper_id) == (START - paid - rest_hold, rest_hold)
    # When the square-off runs at 15:19, then at 15:20 with INFY at 1520, then again at 15:21
    quote(redis_client, "1520")
    early = squareoff.square_off(
        mongo_db, redis_client, now=lambda: datetime(2025, 3, 3, 15, 19, tzinfo=IST), rules=rules
    )
    due = squareoff.square_off(
        mongo_db, redis_client, now=lambda: datetime(2025, 3, 3, 15, 20, tzinfo=IST), rules=rules
    )
    again = squareoff.square_off(
        mongo_db, redis_client, now=lambda: datetime(2025, 3, 3, 15, 21, tzinfo=IST), rules=rules
    )
    # Then the position was sold once at 1520; the resting MIS order was canceled
    assert (early, due, again) == (0, 1, 0)
    assert stored(mongo_db, "paper_orders", resting.order_id)["state"] == "canceled"
    [exit_order] = list(mongo_db["paper_orders"].find({"accountId": paper_id, "side": "SELL"}))
    assert exit_order["state"] == "executed" and exit_order["history"][0]["reason"] == squareoff.REASON
    sale = exit_order["fills"][0]
    assert sale["price"] == rupees("1520") and sale["realised"] == 10 * rupees("20")
    # And the account got the margin back with the profit, less both legs' charges
    assert balance(mongo_db, paper_id) == (
        START - fill_charges(bought) + 10 * rupees("20") - sale["charges"],
        0,
    )
    assert stored(mongo_db, "paper_holdings", f"{paper_id}|NSE:INFY|MIS")["quantity"] == 0
    assert [r.drift for r in reconcile.reconcile(mongo_db, [paper_id])] == [0]
    # And no MIS order is taken between 15:20 and the close
    with pytest.raises(SemanticError) as refused:
        placement.place_order(
            mongo_db, redis_client, USER, paper_id, order(type="MARKET", product="MIS"),
            now=lambda: datetime(2025, 3, 3, 15, 25, tzinfo=IST), rules=rules,
        )  # fmt: skip
    assert refused.value.details[0]["issue"] == "mis_after_squareoff"


def fill_charges(placed: Any) -> int:
    return sum(to_scaled(Decimal(f.charges)) for f in placed.fills)


def test_reconciliation_finds_drift(mongo_db: Db, redis_client: redis.Redis) -> None:
    # Given an account that bought and sold
    paper_id = account(mongo_db)
    quote(redis_client, "1500")
    placement.place_order(mongo_db, redis_client, USER, paper_id, order(type="MARKET"), rules=Rules())
    quote(redis_client, "1510")
    placement.place_order(
        mongo_db, redis_client, USER, paper_id, order(side="SELL", type="MARKET", quantity=4), rules=Rules()
    )
    assert [r.drift for r in reconcile.reconcile(mongo_db, [paper_id])] == [0]
    # When a ₹0.0001 update is lost (available changed behind the ledger's back)
    mongo_db["paper_accounts"].update_one({"_id": paper_id}, {"$inc": {"available": -1}})
    # Then reconciliation reports that drift
    assert [r.drift for r in reconcile.reconcile(mongo_db, [paper_id])] == [-1]


def test_bad_order_combinations_are_422(mongo_db: Db, redis_client: redis.Redis) -> None:
    paper_id = account(mongo_db)
    bad = [
        (order(type="SL", price="1400"), "triggerPrice", "required"),
        (order(type="SL-M", triggerPrice="1400", price="1400"), "price", "not_allowed"),
        (order(type="LIMIT", price="1400", triggerPrice="1390"), "triggerPrice", "not_allowed"),
        (order(type="SL", price="1400", triggerPrice="1410"), "triggerPrice", "beyond_limit"),
        (order(side="SELL", type="SL", price="1400", triggerPrice="1390"), "triggerPrice", "beyond_limit"),
        (order(type="SL-M", triggerPrice="1400", validity="IOC"), "validity", "not_allowed"),
        # a delivery sell without the shares (an MIS sell without a long is a short: test_paper_shorts.py)
        (order(side="SELL", type="LIMIT", price="1400", product="CNC"), "quantity", "insufficient_holdings"),
    ]
    for body, field, issue in bad:
        with pytest.raises(SemanticError) as refused:
            placement.place_order(mongo_db, redis_client, USER, paper_id, body, rules=Rules())
        assert refused.value.details[0] == {"field": field, "issue": issue}, body
    # And none of them held anything
    assert balance(mongo_db, paper_id) == (START, 0)


def test_the_feed_pass_rebuilds_a_lost_price_index_from_mongo(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given a resting limit buy, then Redis loses every key (a flush)
    paper_id = account(mongo_db)
    placed = placement.place_order(
        mongo_db, redis_client, USER, paper_id, order(type="LIMIT", price="1400"), rules=Rules()
    )
    redis_client.flushdb()
    quote(redis_client, "1390")
    # When the cached-quote pass runs
    filled = matching.match_cached(mongo_db, redis_client, rules=Rules())
    # Then the index was rebuilt from Mongo's live orders and the order filled
    assert filled == 1 and stored(mongo_db, "paper_orders", placed.order_id)["state"] == "executed"
    # And an id in the index whose order is gone is forgotten, not filled
    redis_client.zadd("paper:book:NSE:INFY:BUY", {"po_missing": 20_000_000})
    assert matching.match_cached(mongo_db, redis_client, rules=Rules()) == 0
    assert redis_client.zscore("paper:book:NSE:INFY:BUY", "po_missing") is None


class Quotes:
    """A quote provider answering INFY at a set price."""

    name = "test"
    max_instruments_per_call = 50

    def __init__(self, ltp: str) -> None:
        self.ltp = Decimal(ltp)

    def fetch(self, symbols: Any) -> dict[str, Quote]:
        return {s: Quote(symbol=s, ltp=self.ltp, ts=datetime.now(UTC)) for s in symbols if s == "NSE:INFY"}


def test_the_feed_pass_reconciles_the_accounts_it_touched_and_reports_drift(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given two accounts with resting buys at 1400, one of them drifted by ₹0.0001 behind the ledger
    clean, drifted = account(mongo_db), account(mongo_db)
    for paper_id in (clean, drifted):
        placement.place_order(
            mongo_db, redis_client, USER, paper_id, order(type="LIMIT", price="1400"), rules=Rules()
        )
    mongo_db["paper_accounts"].update_one({"_id": drifted}, {"$inc": {"available": 1}})
    sent: list[dict[str, Any]] = []
    events = Events(sink=sent.extend)
    # When the feed's pass runs with INFY quoted at 1390
    result = feed.feed_pass(mongo_db, redis_client, Quotes("1390"), rules=Rules(), events=events)
    # Then both filled, both were reconciled, and exactly one drifted
    assert (result.fills, result.reconciled, result.drifted) == (2, 2, 1)
    # And the pass sent each account's execution and balance change when done
    executed = {e["accountId"] for e in sent if e["type"] == "paper_order" and e["event"] == "executed"}
    assert executed == {clean, drifted} and not events.items
