"""Paper trading through the local stack (what `make dev` runs): a limit buy placed over REST fills
partly on two market-feed firings (ticks offering 4 shares), the rest is canceled; the balance,
portfolio, order history, inbox and the journal's trade agree. An MIS buy is squared off by the
15:20 IST pass (its clock injected). A daily-loss breach found by the feed's risk monitor squares
the account off and alerts the trader (docs/risk.md). An MIS position gapping through its margin
call on a feed firing is stopped out, the loss beyond the cash recorded as debit (docs/paper.md)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
import requests

from local.background import BackgroundStack
from local.stack import LocalStack
from tests.e2e.accounts import register_and_login
from tests.e2e.doubles import wait_until
from tests.e2e.market_support import FEED_RULE
from tradetrack.cache.client import get_redis
from tradetrack.config import reset_settings
from tradetrack.db.client import get_database
from tradetrack.market.cache import cache_quotes
from tradetrack.market.calendar import is_trading_day
from tradetrack.market.providers.factory import use_provider
from tradetrack.market.quote import Quote
from tradetrack.money import money_str, to_scaled
from tradetrack.paper import clock as paper_clock
from tradetrack.paper import squareoff
from tradetrack.paper.rules import Rules
from tradetrack.timeutil import IST

pytestmark = pytest.mark.e2e

ENV = {"FEED_TICKS": "1", "PAPER_TICK_VOLUME": "4"}  # one feed tick a firing; 4 shares a tick


@pytest.fixture(scope="module")
def stack() -> Iterator[tuple[BackgroundStack, LocalStack]]:
    saved = {name: os.environ.get(name) for name in ENV}
    os.environ.update(ENV)
    reset_settings()
    local = LocalStack(port=0, ws_port=0, schedules_enabled=False, sqs_poll_interval_s=0.1)
    runner = BackgroundStack(local)
    use_provider(PROVIDER)
    try:
        with runner:
            yield runner, local
    finally:
        use_provider(None)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_settings()


class Provider:
    """The quote provider the feed asks (INFY at the price the test sets; nothing else)."""

    name = "test"
    max_instruments_per_call = 50

    def __init__(self) -> None:
        self.ltp = Decimal("1500")

    def fetch(self, symbols: Sequence[str]) -> dict[str, Quote]:
        now = datetime.now(UTC)
        return {s: Quote(symbol=s, ltp=self.ltp, ts=now) for s in symbols if s == "NSE:INFY"}


PROVIDER = Provider()


def quote(ltp: str) -> None:
    """INFY at `ltp`: in the market-data cache (what placement and GET /v1/market/quotes read) and
    from the provider (what the feed's next tick reads, for the open positions it marks)."""
    PROVIDER.ltp = Decimal(ltp)
    cache_quotes(get_redis(), [Quote(symbol="NSE:INFY", ltp=Decimal(ltp), ts=datetime.now(UTC))])


class Client:
    def __init__(self, rest_url: str) -> None:
        self.url = rest_url
        _, token = register_and_login(rest_url, prefix="paper", name="Paper")
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> requests.Response:
        return requests.request(
            method, f"{self.url}{path}", json=body, headers={**self.headers, **headers}, timeout=30
        )


def test_a_limit_buy_partly_filled_on_ticks_then_canceled(stack: tuple[BackgroundStack, LocalStack]) -> None:
    runner, local = stack
    client = Client(local.rest_url)
    # Given a paper account of ₹1,00,000 and a limit buy of 10 INFY at 1400
    paper_id = client.call("POST", "/v1/paper/accounts", {"startingBalance": "100000"}).json()["accountId"]
    base = f"/v1/paper/accounts/{paper_id}"
    body = {
        "symbol": "INFY",
        "exchange": "NSE",
        "side": "BUY",
        "type": "LIMIT",
        "quantity": 10,
        "price": "1400",
    }
    placed = client.call("POST", f"{base}/orders", body, **{"Idempotency-Key": "e2e-limit"})
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["orderId"]

    # When the market feed fires twice with INFY at 1390 (each firing's pass done before the next)
    def filled() -> int:
        return int(client.call("GET", f"{base}/orders/{order_id}").json()["filledQuantity"])

    for expected in (4, 8):
        quote("1390")
        runner.run(local.fire_schedule(FEED_RULE))
        assert wait_until(partial(lambda n: filled() >= n, expected), timeout_s=30)
        assert filled() == expected
    # Then 8 of 10 filled, 4 a tick, at 1390
    order = client.call("GET", f"{base}/orders/{order_id}").json()
    assert order["state"] == "partially_executed" and order["filledQuantity"] == 8
    assert [(f["quantity"], f["price"]) for f in order["fills"]] == [(4, "1390"), (4, "1390")]
    # When the rest is canceled
    canceled = client.call("POST", f"{base}/orders/{order_id}/cancel")
    assert canceled.status_code == 200, canceled.text
    # Then the history has every step with its time
    history = canceled.json()["history"]
    assert [h["state"] for h in history] == [
        "pending",
        "partially_executed",
        "partially_executed",
        "canceled",
    ]
    assert all(h["at"] for h in history)
    # And nothing is held; the account paid exactly the two fills' value and charges
    spent = sum(
        to_scaled(Decimal(f["price"])) * f["quantity"] + to_scaled(Decimal(f["charges"]))
        for f in order["fills"]
    )
    left = money_str(to_scaled(Decimal(100000)) - spent)
    assert client.call("GET", base).json()["balance"] == {
        "available": left,
        "held": "0",
        "total": left,
        "debit": "0",
    }
    # And the portfolio holds the 8
    [holding] = client.call("GET", f"{base}/portfolio").json()["holdings"]
    assert (holding["symbol"], holding["product"], holding["quantity"], holding["free"]) == (
        "INFY",
        "CNC",
        8,
        8,
    )
    # And the journal has one open trade of 8 in the paper account, its fees the fills' charges
    trades = client.call("GET", f"/v1/trades?accountId={paper_id}").json()["items"]
    assert [(t["status"], t["quantity"]) for t in trades] == [("open", 8)]

    # And the inbox has the order's cancel only: its placement and partial fills were pushed, not
    # kept (the user did not ask for paper order progress; docs/paper.md), though sent before it
    def notices() -> list[str]:
        items = client.call("GET", "/v1/notifications").json()["items"]
        return sorted(i["title"] for i in items if i.get("type") == "paper_order")

    assert wait_until(lambda: len(notices()) >= 1, timeout_s=30), notices()
    assert notices() == ["Paper order canceled: INFY"]


def last_session_at(now: datetime, at: time) -> datetime:
    """`at` IST on the latest trading day on which it is over (a minute before `now` or earlier)."""
    day = now.astimezone(IST).date()
    while not is_trading_day(day) or datetime.combine(day, at, IST) > now - timedelta(minutes=1):
        day -= timedelta(days=1)
    return datetime.combine(day, at, IST)


def stop_paper_clock(monkeypatch: pytest.MonkeyPatch, instant: datetime) -> None:
    """Paper's clock (tradetrack.paper.clock) stopped at `instant`, whatever the wall clock says."""

    class Stopped(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return instant.astimezone(tz)

    monkeypatch.setattr(paper_clock, "datetime", Stopped)


def test_an_mis_position_is_squared_off_at_1520(
    stack: tuple[BackgroundStack, LocalStack], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, local = stack
    client = Client(local.rest_url)
    # Given 10 INFY bought MIS at market (1500) over REST at 15:10 IST of a trading day (paper's
    # clock stopped there: an MIS position lives within one session, whenever the suite runs)
    bought_at = last_session_at(datetime.now(UTC), time(15, 10))
    stop_paper_clock(monkeypatch, bought_at)
    paper_id = client.call("POST", "/v1/paper/accounts", {"startingBalance": "100000"}).json()["accountId"]
    base = f"/v1/paper/accounts/{paper_id}"
    quote("1500")
    body = {
        "symbol": "INFY",
        "exchange": "NSE",
        "side": "BUY",
        "type": "MARKET",
        "quantity": 10,
        "product": "MIS",
    }
    bought = client.call("POST", f"{base}/orders", body, **{"Idempotency-Key": "e2e-mis"})
    assert bought.status_code == 201 and bought.json()["state"] == "executed", bought.text
    # When the feed's square-off runs at that session's 15:20 IST with INFY at 1510
    quote("1510")
    at = bought_at.replace(hour=15, minute=20)
    squared = squareoff.square_off(get_database(), get_redis(), now=lambda: at, rules=Rules.from_settings())
    # Then the position was sold at 1510, the portfolio has no MIS position left
    assert squared == 1
    orders = client.call("GET", f"{base}/orders").json()["items"]
    sale = next(o for o in orders if o["side"] == "SELL")
    assert sale["state"] == "executed" and sale["product"] == "MIS" and sale["fills"][0]["price"] == "1510"
    assert sale["history"][0]["reason"] == squareoff.REASON
    assert client.call("GET", f"{base}/portfolio").json()["holdings"] == []
    # And the journal's trade is closed with its profit: 10 × ₹10 less both legs' charges
    [trade] = client.call("GET", f"/v1/trades?accountId={paper_id}").json()["items"]
    assert trade["status"] == "closed" and trade["quantity"] == 10
    # And the account has back its margin plus that net profit: available = total, nothing held
    balance = client.call("GET", base).json()["balance"]
    charges = sum(to_scaled(Decimal(o["fills"][0]["charges"])) for o in orders)
    net = to_scaled(Decimal(100000)) + 10 * to_scaled(Decimal(10)) - charges
    assert balance == {"available": money_str(net), "held": "0", "total": money_str(net), "debit": "0"}


def test_a_daily_loss_breach_squares_the_paper_account_off_and_alerts(
    stack: tuple[BackgroundStack, LocalStack],
) -> None:
    runner, local = stack
    client = Client(local.rest_url)
    # Given a trader allowing ₹4,000 of loss a day and a paper account long 10 INFY bought at ₹1,500
    assert client.call("PUT", "/v1/risk/limits", {"maxLossPerDay": "4000"}).status_code == 200
    paper_id = client.call("POST", "/v1/paper/accounts", {"startingBalance": "100000"}).json()["accountId"]
    base = f"/v1/paper/accounts/{paper_id}"
    quote("1500")
    body = {"symbol": "INFY", "exchange": "NSE", "side": "BUY", "type": "MARKET", "quantity": 10}
    bought = client.call("POST", f"{base}/orders", body, **{"Idempotency-Key": "e2e-risk"})
    assert bought.status_code == 201 and bought.json()["state"] == "executed", bought.text
    # When INFY falls to ₹1,000 (₹5,000 down) and the market feed fires
    quote("1000")
    runner.run(local.fire_schedule(FEED_RULE))

    def violations() -> list[dict[str, Any]]:
        return list(client.call("GET", "/v1/risk/violations").json()["items"])

    # Then the breach is recorded once, squared off: the holding sold at market, nothing left open
    assert wait_until(lambda: len(violations()) == 1, timeout_s=30), violations()
    [violation] = violations()
    assert (violation["accountId"], violation["rule"], violation["squaredOff"]) == (
        paper_id,
        "max_loss_per_day",
        True,
    )
    sells = [o for o in client.call("GET", f"{base}/orders").json()["items"] if o["side"] == "SELL"]
    assert [(s["type"], s["quantity"], s["state"]) for s in sells] == [("MARKET", 10, "executed")]
    assert [h for h in client.call("GET", f"{base}/portfolio").json()["holdings"] if h["quantity"]] == []

    # And the trader is alerted in the inbox (email/SMS per their preferences)
    def alerts() -> list[dict[str, Any]]:
        items = client.call("GET", "/v1/notifications").json()["items"]
        return [i for i in items if i.get("type") == "risk_violation"]

    assert wait_until(lambda: len(alerts()) == 1, timeout_s=30), alerts()
    # And a second firing records nothing more
    runner.run(local.fire_schedule(FEED_RULE))
    assert len(violations()) == 1


def test_an_mis_position_gapping_through_its_margin_call_is_stopped_out_into_debit(
    stack: tuple[BackgroundStack, LocalStack],
) -> None:
    runner, local = stack
    client = Client(local.rest_url)
    # Given an account of ₹3,100 that bought 10 INFY MIS at 1500 (margin ₹3,000 at 5×, and charges)
    paper_id = client.call("POST", "/v1/paper/accounts", {"startingBalance": "3100"}).json()["accountId"]
    base = f"/v1/paper/accounts/{paper_id}"
    quote("1500")
    body = {
        "symbol": "INFY",
        "exchange": "NSE",
        "side": "BUY",
        "type": "MARKET",
        "quantity": 10,
        "product": "MIS",
    }
    bought = client.call("POST", f"{base}/orders", body, **{"Idempotency-Key": "e2e-stopout"})
    assert bought.status_code == 201 and bought.json()["state"] == "executed", bought.text
    # When INFY gaps to 1000 (a ₹5,000 loss: the margin and ₹2,000 more) and the market feed fires
    quote("1000")
    runner.run(local.fire_schedule(FEED_RULE))

    def sales() -> list[dict[str, Any]]:
        return [o for o in client.call("GET", f"{base}/orders").json()["items"] if o["side"] == "SELL"]

    # Then the position is stopped out at the tick's price, with the margin call's reason
    assert wait_until(lambda: len(sales()) == 1 and sales()[0]["state"] == "executed", timeout_s=30)
    [sale] = sales()
    assert sale["fills"][0]["price"] == "1000" and sale["history"][0]["reason"].startswith("MIS stop-out")
    assert client.call("GET", f"{base}/portfolio").json()["holdings"] == []
    # And available is zero, the loss beyond the account's cash its debit (both legs' charges too)
    charges = to_scaled(Decimal(bought.json()["fills"][0]["charges"])) + to_scaled(
        Decimal(sale["fills"][0]["charges"])
    )
    owed = to_scaled(Decimal(1900)) + charges
    assert client.call("GET", base).json()["balance"] == {
        "available": "0",
        "held": "0",
        "total": "0",
        "debit": money_str(owed),
    }
