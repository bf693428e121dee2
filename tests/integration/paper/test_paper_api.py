"""/v1/paper/... through the gateway: accounts, orders with holds, fills on cached quotes, cancel,
refusals, idempotent placement, isolation; fills become journal executions (source "paper")."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import redis
from pymongo.database import Database

from tests.support.auth import Account, OwnedRoute, assert_isolated, new_account
from tests.support.gateway import Gateway, Reply
from tradetrack.market.cache import cache_quotes
from tradetrack.market.quote import Quote
from tradetrack.money import money_str, to_scaled
from tradetrack.paper.ledger import buy_hold, make_fill
from tradetrack.paper.matching import match_cached
from tradetrack.timeutil import ist_date

Db = Database[dict[str, Any]]


def quote(cache: redis.Redis, symbol: str, ltp: str) -> None:
    cache_quotes(cache, [Quote(symbol=symbol, ltp=Decimal(ltp), ts=datetime.now(UTC))])


def open_account(gateway: Gateway, account: Account, balance: str = "100000") -> dict[str, Any]:
    reply = gateway.request(
        "POST",
        "/v1/paper/accounts",
        json_body={"name": "Practice", "startingBalance": balance},
        token=account.access_token,
    )
    assert reply.status == 201, reply.text
    return dict(reply.body)


def place(gateway: Gateway, account: Account, paper_id: str, key: str | None = None, **order: Any) -> Reply:
    body = {"symbol": "INFY", "exchange": "NSE", "side": "BUY", "type": "MARKET", "quantity": 10, **order}
    return gateway.request(
        "POST",
        f"/v1/paper/accounts/{paper_id}/orders",
        json_body=body,
        token=account.access_token,
        headers={"Idempotency-Key": key or uuid.uuid4().hex},
    )


def balance(gateway: Gateway, account: Account, paper_id: str) -> dict[str, str]:
    reply = gateway.request("GET", f"/v1/paper/accounts/{paper_id}", token=account.access_token)
    assert reply.status == 200, reply.text
    return dict(reply.body["balance"])


def expected_buy_cost(quantity: int, price: str) -> int:
    return make_fill(
        "INFY",
        buy=True,
        intraday=False,
        day=ist_date(datetime.now(UTC)),
        quantity=quantity,
        price=to_scaled(Decimal(price)),
    ).cash_for_buy()


def test_an_account_opens_with_its_starting_balance_available(gateway: Gateway) -> None:
    # Given a trader / When they open a paper account of ₹1,00,000
    account = new_account(gateway)
    opened = open_account(gateway, account)
    # Then all of it is available, nothing held, total = available + held
    assert opened["accountId"].startswith("pa_") and opened["status"] == "open"
    assert opened["balance"] == {"available": "100000", "held": "0", "total": "100000", "debit": "0"}
    listed = gateway.request("GET", "/v1/paper/accounts", token=account.access_token).body["items"]
    assert [a["accountId"] for a in listed] == [opened["accountId"]]


def test_a_market_buy_fills_at_the_cached_quote_and_is_journaled(
    gateway: Gateway, redis_client: redis.Redis, mongo_db: Db
) -> None:
    # Given an account and INFY last quoted at 1500.25
    account = new_account(gateway)
    paper_id = open_account(gateway, account)["accountId"]
    quote(redis_client, "NSE:INFY", "1500.25")
    # When they buy 10 at market
    reply = place(gateway, account, paper_id)
    # Then the order executed at the quote with the schedule's charges, fully paid from available
    assert reply.status == 201, reply.text
    order = reply.body
    assert order["state"] == "executed" and [h["state"] for h in order["history"]] == ["pending", "executed"]
    [fill] = order["fills"]
    cost = expected_buy_cost(10, "1500.25")
    assert fill["price"] == "1500.25" and fill["quantity"] == 10
    assert to_scaled(Decimal(fill["charges"])) == cost - 10 * to_scaled(Decimal("1500.25")) > 0
    remaining = to_scaled(Decimal(100000)) - cost
    assert balance(gateway, account, paper_id) == {
        "available": money_str(remaining),
        "held": "0",
        "total": money_str(remaining),
        "debit": "0",
    }
    # And the fill is a journal execution of source "paper" in the paper account, with an open trade
    [execution] = list(mongo_db["executions"].find({"userId": account.user_id}))
    assert execution["source"] == "paper" and execution["accountId"] == paper_id
    assert execution["fees"] == to_scaled(Decimal(fill["charges"])) and execution["quantity"] == 10
    trades = gateway.request("GET", "/v1/trades", query={"accountId": paper_id}, token=account.access_token)
    assert [(t["status"], t["quantity"]) for t in trades.body["items"]] == [("open", 10)]
    # And the portfolio holds 10 INFY marked at the quote
    folio = gateway.request(
        "GET", f"/v1/paper/accounts/{paper_id}/portfolio", token=account.access_token
    ).body
    assert folio["holdings"] == [
        {
            "symbol": "INFY",
            "exchange": "NSE",
            "product": "CNC",
            "quantity": 10,
            "free": 10,
            "lastPrice": "1500.25",
        }
    ]


def test_a_limit_buy_holds_funds_until_a_tick_crosses_it(
    gateway: Gateway, redis_client: redis.Redis, mongo_db: Db
) -> None:
    # Given an account and a limit buy of 10 INFY at 1400 (the market is at 1500)
    account = new_account(gateway)
    paper_id = open_account(gateway, account)["accountId"]
    quote(redis_client, "NSE:INFY", "1500")
    reply = place(gateway, account, paper_id, type="LIMIT", price="1400")
    assert reply.status == 201, reply.text
    order_id = reply.body["orderId"]
    # Then it rests pending, holding its value and charges at the limit
    hold = buy_hold("INFY", intraday=False, day=ist_date(datetime.now(UTC)), quantity=10, price=14_000_000)
    assert reply.body["state"] == "pending" and reply.body["held"] == money_str(hold)
    assert balance(gateway, account, paper_id) == {
        "available": money_str(1_000_000_000 - hold),
        "held": money_str(hold),
        "total": "100000",
        "debit": "0",
    }
    # When a tick at 1450 does not cross, nothing fills; a tick at 1399.5 does
    quote(redis_client, "NSE:INFY", "1450")
    assert match_cached(mongo_db, redis_client) == 0
    quote(redis_client, "NSE:INFY", "1399.5")
    assert match_cached(mongo_db, redis_client) == 1
    # Then it executed at the tick's price; the hold is gone and the unused part is back
    got = gateway.request(
        "GET", f"/v1/paper/accounts/{paper_id}/orders/{order_id}", token=account.access_token
    )
    assert got.body["state"] == "executed" and got.body["fills"][0]["price"] == "1399.5"
    remaining = 1_000_000_000 - expected_buy_cost(10, "1399.5")
    assert balance(gateway, account, paper_id) == {
        "available": money_str(remaining),
        "held": "0",
        "total": money_str(remaining),
        "debit": "0",
    }
    # And a second pass (a redelivered tick) fills nothing again
    assert match_cached(mongo_db, redis_client) == 0
    assert mongo_db["executions"].count_documents({"userId": account.user_id}) == 1


def test_canceling_a_pending_buy_releases_its_hold(gateway: Gateway, redis_client: redis.Redis) -> None:
    # Given a resting limit buy
    account = new_account(gateway)
    paper_id = open_account(gateway, account)["accountId"]
    order_id = place(gateway, account, paper_id, type="LIMIT", price="100").body["orderId"]
    path = f"/v1/paper/accounts/{paper_id}/orders/{order_id}/cancel"
    # When it is canceled
    reply = gateway.request("POST", path, token=account.access_token)
    # Then it is canceled with its history, and the whole balance is available again
    assert reply.status == 200, reply.text
    assert [h["state"] for h in reply.body["history"]] == ["pending", "canceled"] and reply.body[
        "held"
    ] == "0"
    assert balance(gateway, account, paper_id) == {
        "available": "100000",
        "held": "0",
        "total": "100000",
        "debit": "0",
    }
    # And canceling again is a conflict, not a second release
    again = gateway.request("POST", path, token=account.access_token)
    assert again.status == 409 and again.error_code() == "CONFLICT"
    assert balance(gateway, account, paper_id)["available"] == "100000"


def test_refusals_are_clear_4xx_and_change_nothing(gateway: Gateway, redis_client: redis.Redis) -> None:
    # Given an account of ₹10,000 and INFY at 1500
    account = new_account(gateway)
    paper_id = open_account(gateway, account, balance="10000")["accountId"]
    quote(redis_client, "NSE:INFY", "1500")
    # When buying more than the balance covers, selling what is not held, buying an unquoted symbol
    too_big = place(gateway, account, paper_id, quantity=7)
    unheld = place(gateway, account, paper_id, side="SELL", quantity=1)
    unknown = place(gateway, account, paper_id, symbol="NOSUCHCO")
    no_price = place(gateway, account, paper_id, type="LIMIT")
    # Then each is a 4xx saying why, and the balance is untouched
    assert too_big.status == 422 and too_big.body["error"]["details"][0]["issue"] == "insufficient_funds"
    assert unheld.status == 422 and unheld.body["error"]["details"][0]["issue"] == "insufficient_holdings"
    assert unknown.status == 422 and unknown.body["error"]["details"][0]["issue"] == "no_quote"
    assert no_price.status == 422 and no_price.body["error"]["details"][0]["issue"] == "required"
    assert balance(gateway, account, paper_id) == {
        "available": "10000",
        "held": "0",
        "total": "10000",
        "debit": "0",
    }


def test_selling_part_of_a_holding_then_more_than_the_rest(
    gateway: Gateway, redis_client: redis.Redis
) -> None:
    # Given 10 INFY bought
    account = new_account(gateway)
    paper_id = open_account(gateway, account)["accountId"]
    quote(redis_client, "NSE:INFY", "1500")
    assert place(gateway, account, paper_id).status == 201
    # When 6 rest in a limit sell, 5 more cannot be sold; the 6 sell when a tick crosses
    assert (
        place(gateway, account, paper_id, side="SELL", type="LIMIT", price="1600", quantity=6).status == 201
    )
    refused = place(gateway, account, paper_id, side="SELL", quantity=5)
    assert refused.status == 422
    sold = place(gateway, account, paper_id, side="SELL", quantity=4)
    assert sold.status == 201 and sold.body["state"] == "executed"
    folio = gateway.request(
        "GET", f"/v1/paper/accounts/{paper_id}/portfolio", token=account.access_token
    ).body
    assert [(h["quantity"], h["free"]) for h in folio["holdings"]] == [(6, 0)]


def test_a_replayed_idempotency_key_answers_with_the_first_order(
    gateway: Gateway, redis_client: redis.Redis, mongo_db: Db
) -> None:
    # Given a market buy placed with a key
    account = new_account(gateway)
    paper_id = open_account(gateway, account)["accountId"]
    quote(redis_client, "NSE:INFY", "1500")
    first = place(gateway, account, paper_id, key="k-1")
    # When the same request is sent again with the same key
    again = place(gateway, account, paper_id, key="k-1")
    # Then it answers with the same order and nothing more was bought
    assert first.status == again.status == 201
    assert again.body["orderId"] == first.body["orderId"]
    assert mongo_db["paper_orders"].count_documents({"userId": account.user_id}) == 1
    assert mongo_db["executions"].count_documents({"userId": account.user_id}) == 1
    # And the same key with a different body is refused (422) and places nothing
    other = place(gateway, account, paper_id, key="k-1", quantity=11)
    assert other.status == 422, other.text
    assert other.body["error"]["details"] == [{"field": "Idempotency-Key", "issue": "idempotency_key_reused"}]
    assert mongo_db["paper_orders"].count_documents({"userId": account.user_id}) == 1
    # And placing without a key is refused
    no_key = gateway.request(
        "POST",
        f"/v1/paper/accounts/{paper_id}/orders",
        token=account.access_token,
        json_body={"symbol": "INFY", "exchange": "NSE", "side": "BUY", "type": "MARKET", "quantity": 1},
    )
    assert no_key.status == 400


def test_reset_and_close(gateway: Gateway, redis_client: redis.Redis) -> None:
    # Given an account that bought and has a pending order
    account = new_account(gateway)
    paper_id = open_account(gateway, account)["accountId"]
    quote(redis_client, "NSE:INFY", "1500")
    place(gateway, account, paper_id)
    pending = place(gateway, account, paper_id, type="LIMIT", price="1000").body["orderId"]
    base = f"/v1/paper/accounts/{paper_id}"
    # Then reset and close wait for the pending order
    assert gateway.request("POST", f"{base}/reset", token=account.access_token).status == 409
    gateway.request("POST", f"{base}/orders/{pending}/cancel", token=account.access_token)
    # When reset: the starting balance again and no holdings
    reset = gateway.request("POST", f"{base}/reset", token=account.access_token)
    assert reset.status == 200 and reset.body["balance"] == {
        "available": "100000",
        "held": "0",
        "total": "100000",
        "debit": "0",
    }
    assert gateway.request("GET", f"{base}/portfolio", token=account.access_token).body["holdings"] == []
    # When closed: no more orders
    assert gateway.request("POST", f"{base}/close", token=account.access_token).body["status"] == "closed"
    assert place(gateway, account, paper_id).status == 409


def test_another_users_account_and_orders_are_not_found(gateway: Gateway, redis_client: redis.Redis) -> None:
    owner, intruder = new_account(gateway), new_account(gateway)
    paper_id = open_account(gateway, owner)["accountId"]
    order_id = place(gateway, owner, paper_id, type="LIMIT", price="100").body["orderId"]
    routes = [
        OwnedRoute("GET", "/v1/paper/accounts/{id}"),
        OwnedRoute("POST", "/v1/paper/accounts/{id}/reset"),
        OwnedRoute("POST", "/v1/paper/accounts/{id}/close"),
        OwnedRoute("GET", "/v1/paper/accounts/{id}/portfolio"),
        OwnedRoute("GET", "/v1/paper/accounts/{id}/orders"),
        OwnedRoute("GET", "/v1/paper/accounts/{id}/orders/" + order_id),
        OwnedRoute("POST", "/v1/paper/accounts/{id}/orders/" + order_id + "/cancel"),
    ]
    assert_isolated(
        gateway,
        owner,
        intruder,
        routes,
        paper_id,
        owner_view=lambda: (
            gateway.request("GET", f"/v1/paper/accounts/{paper_id}/orders", token=owner.access_token).body
        ),
    )
