"""Risk with paper trading and broker sync against the real test store: a paper order over a limit
is stored rejected naming the rule; a daily-loss breach on the feed's tick squares the paper account
off and is recorded and notified once; a real account's breach after its sync is recorded and
notified, and nothing is placed anywhere."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import redis
from pymongo.database import Database

from tests.integration.sync.conftest import serve_kite_day
from tests.support.auth import Account, new_account
from tests.support.broker_stub import BrokerStub
from tests.support.gateway import Gateway, Reply
from tests.support.pipeline import Pipeline, connected_account
from tradetrack.accounts.service import enqueue_sync
from tradetrack.aws import aws_client
from tradetrack.config import get_settings
from tradetrack.market.cache import cache_quotes
from tradetrack.market.quote import Quote
from tradetrack.notify.events import RiskViolation
from tradetrack.risk.models import LimitsIn
from tradetrack.risk.monitor import MonitorResult, monitor_paper
from tradetrack.risk.service import set_account_limits
from tradetrack.risk_accounts import paper_square_off

Db = Database[dict[str, Any]]


def quote(cache: redis.Redis, symbol: str, ltp: str) -> None:
    cache_quotes(cache, [Quote(symbol=symbol, ltp=Decimal(ltp), ts=datetime.now(UTC))])


def open_paper(gateway: Gateway, trader: Account) -> str:
    reply = gateway.request(
        "POST", "/v1/paper/accounts", json_body={"startingBalance": "100000"}, token=trader.access_token
    )
    assert reply.status == 201, reply.text
    return str(reply.body["accountId"])


def place(gateway: Gateway, trader: Account, paper_id: str, **order: Any) -> Reply:
    body = {"symbol": "INFY", "exchange": "NSE", "side": "BUY", "type": "MARKET", "quantity": 10, **order}
    return gateway.request(
        "POST",
        f"/v1/paper/accounts/{paper_id}/orders",
        json_body=body,
        token=trader.access_token,
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )


def get(gateway: Gateway, trader: Account, path: str, **query: str) -> Any:
    reply = gateway.request("GET", path, token=trader.access_token, query=query or None)
    assert reply.status == 200, reply.text
    return reply.body


def test_a_paper_order_over_the_max_order_value_is_rejected_naming_the_rule(
    gateway: Gateway, redis_client: redis.Redis
) -> None:
    # Given a paper account whose own limit allows orders up to ₹10,000, and INFY at ₹1,500
    trader = new_account(gateway)
    paper_id = open_paper(gateway, trader)
    limits = {"maxOrderValue": "10000"}
    put = gateway.request(
        "PUT", f"/v1/risk/accounts/{paper_id}/limits", json_body=limits, token=trader.access_token
    )
    assert put.status == 200, put.text
    quote(redis_client, "NSE:INFY", "1500")
    # When it buys 10 at market (₹15,000) and then 6 (₹9,000)
    over = place(gateway, trader, paper_id, quantity=10)
    within = place(gateway, trader, paper_id, quantity=6)
    # Then the first is stored rejected, its history naming the rule, and nothing of it is held
    assert over.status == 201, over.text
    assert over.body["state"] == "rejected" and over.body["fills"] == []
    last = over.body["history"][-1]
    assert last["state"] == "rejected" and last["reason"].startswith("risk: max_order_value: ")
    stored = get(gateway, trader, f"/v1/paper/accounts/{paper_id}/orders/{over.body['orderId']}")
    assert stored["state"] == "rejected" and stored["history"][-1]["reason"] == last["reason"]
    # and the second, within the limit, executes; the balance holds nothing for the rejected one
    assert within.body["state"] == "executed"
    balance = get(gateway, trader, f"/v1/paper/accounts/{paper_id}")["balance"]
    assert balance["held"] == "0"
    spent = Decimal("100000") - Decimal(balance["available"])
    assert Decimal("9000") < spent < Decimal("9100")  # 6 × ₹1,500 and its charges only
    # When the limit is raised to ₹20,000, the next order of ₹15,000 is taken at once (the limits
    # the placements read from Redis were dropped when they changed)
    raised = {"maxOrderValue": "20000"}
    gateway.request(
        "PUT", f"/v1/risk/accounts/{paper_id}/limits", json_body=raised, token=trader.access_token
    )
    assert place(gateway, trader, paper_id, quantity=10).body["state"] == "executed"


def test_a_daily_loss_breach_on_a_tick_squares_the_paper_account_off_once(
    gateway: Gateway, mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given a trader allowing ₹4,000 of loss a day, a paper account long 10 INFY bought at ₹1,500
    # and a resting limit buy
    trader = new_account(gateway)
    paper_id = open_paper(gateway, trader)
    gateway.request("PUT", "/v1/risk/limits", json_body={"maxLossPerDay": "4000"}, token=trader.access_token)
    quote(redis_client, "NSE:INFY", "1500")
    assert place(gateway, trader, paper_id).body["state"] == "executed"
    resting = place(gateway, trader, paper_id, type="LIMIT", price="1400", quantity=1).body
    assert resting["state"] == "pending"
    sent: list[RiskViolation] = []
    square_off = paper_square_off(mongo_db, redis_client)

    def tick() -> MonitorResult:
        return monitor_paper(mongo_db, redis_client, notify=sent.append, square_off=square_off)

    # When a tick finds the account within its limit, nothing happens
    assert tick().recorded == 0
    # When INFY falls to ₹1,000 (₹5,000 down) and the monitor runs on two ticks
    quote(redis_client, "NSE:INFY", "1000")
    first = tick()
    second = tick()
    # Then one violation is recorded, squared off, and notified once
    assert (first.recorded, second.recorded) == (1, 0)
    assert first.squared_off == [paper_id]
    (violation,) = get(gateway, trader, "/v1/risk/violations")["items"]
    assert (violation["accountId"], violation["rule"], violation["squaredOff"]) == (
        paper_id,
        "max_loss_per_day",
        True,
    )
    assert Decimal(violation["dayPnl"]) <= Decimal("-5000")
    assert len(sent) == 1 and sent[0].rule == "max_loss_per_day" and sent[0].squared_off
    # and the resting order is canceled, the holding sold at market, nothing left open
    orders = get(gateway, trader, f"/v1/paper/accounts/{paper_id}/orders")["items"]
    by_id = {o["orderId"]: o for o in orders}
    assert by_id[resting["orderId"]]["state"] == "canceled"
    assert by_id[resting["orderId"]]["history"][-1]["reason"] == "risk: max_loss_per_day square-off"
    sells = [o for o in orders if o["side"] == "SELL"]
    assert [(s["type"], s["quantity"], s["state"]) for s in sells] == [("MARKET", 10, "executed")]
    portfolio = get(gateway, trader, f"/v1/paper/accounts/{paper_id}/portfolio")
    assert [h for h in portfolio["holdings"] if h["quantity"]] == []
    assert portfolio["balance"]["held"] == "0"
    # and a new buy that day is rejected by the daily loss (the realised loss counts)
    again = place(gateway, trader, paper_id, quantity=1).body
    assert again["state"] == "rejected"
    assert again["history"][-1]["reason"].startswith("risk: max_loss_per_day: ")


def test_a_real_accounts_breach_after_its_sync_is_recorded_and_notified_placing_nothing(
    pipeline: Pipeline, kite: BrokerStub, mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given a Zerodha account whose sync brought a long SBIN (1 at ₹420.65) into the journal
    account = connected_account(mongo_db, user_id="u-risk")
    serve_kite_day(kite)
    sync(pipeline, account)
    assert pipeline.notification_events()  # (the first sync's own notices, drained)
    # and a max loss of ₹100 a day on the account, SBIN now quoted at ₹300
    owns = lambda user, acct: (user, acct) == ("u-risk", account["_id"])  # noqa: E731
    set_account_limits(
        mongo_db,
        redis_client,
        "u-risk",
        account["_id"],
        LimitsIn.model_validate({"maxLossPerDay": "100"}),
        owns,
    )
    quote(redis_client, "NSE:SBIN", "300")
    # When the account syncs again, twice
    sync(pipeline, account)
    sync(pipeline, account)
    # Then the breach is recorded once, alert only
    (violation,) = list(mongo_db["risk_violations"].find({"accountId": account["_id"]}))
    assert violation["rule"] == "max_loss_per_day" and violation["squaredOff"] is False
    assert violation["dayPnl"] <= -1_000_000  # at least ₹100 down (scaled by 10^4)
    # and notified once through the notifications queue
    events = [b for b in pipeline.notification_events() if b["type"] == "risk_violation"]
    assert [(e["accountId"], e["rule"], e.get("squaredOff", False)) for e in events] == [
        (account["_id"], "max_loss_per_day", False)
    ]
    # and nothing was placed: no broker call but reads (and the charges calculator), no paper order
    assert {r.path for r in kite.requests if r.method != "GET"} <= {"/charges/orders"}
    assert kite.requests_to("POST", "/orders/regular") == []
    assert mongo_db["paper_orders"].count_documents({"userId": "u-risk"}) == 0


def sync(pipeline: Pipeline, account: dict[str, Any]) -> None:
    enqueue_sync(
        aws_client("sqs"), get_settings().sync_queue_url, account, reason="manual", now=datetime.now(UTC)
    )
    pipeline.drain("sync")
    pipeline.drain("trade-updates")
