"""The local stack's broker sync, as `make dev` runs it: the demo trader's simulated-broker account
synced by the broker-sync schedule, and a new user connecting the simulated broker through the
browser redirect (OAuth) over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
import requests

from local.background import BackgroundStack
from local.demo import DEMO_EMAIL, DEMO_PASSWORD
from local.stack import LocalStack
from tests.e2e.accounts import register_and_login
from tradetrack.timeutil import IST

FRIDAY_AFTERNOON = datetime(2026, 11, 20, 15, 0, tzinfo=IST)  # an NSE trading day, in session
ZERODHA_APP = {"apiKey": "e2e-kite-key", "apiSecret": "e2e-kite-secret"}


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    local = LocalStack(
        port=0,
        ws_port=0,
        demo=True,
        schedules_enabled=False,
        sqs_poll_interval_s=0.1,
        broker_apps={"zerodha": ZERODHA_APP},  # as ZERODHA_API_KEY / ZERODHA_API_SECRET give it
    )
    local.broker.now = lambda: FRIDAY_AFTERNOON
    runner = BackgroundStack(local)
    with runner:
        runner.run(local.fire_schedule("broker-sync"))
        yield local


def eventually(check: Callable[[], Any], *, timeout_s: float = 30) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_demo_account_is_synced_by_the_schedule(stack: LocalStack) -> None:
    # Given the demo trader (seeded by the stack) and one firing of the broker-sync rule
    login = requests.post(
        f"{stack.rest_url}/v1/auth/login", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD}, timeout=30
    )
    assert login.status_code == 200, login.text
    headers = bearer(login.json()["accessToken"])
    # When the sync has gone through both queues
    accounts = eventually(
        lambda: [
            a
            for a in requests.get(f"{stack.rest_url}/v1/broker-accounts", headers=headers, timeout=10).json()[
                "items"
            ]
            if a["lastSyncAt"]
        ]
    )
    # Then the account is active and synced, its trades are in the journal
    assert accounts and accounts[0]["status"] == "active" and accounts[0]["broker"] == "simulated"
    trades = eventually(
        lambda: requests.get(f"{stack.rest_url}/v1/trades", headers=headers, timeout=10).json()["items"]
    )
    assert trades, "no trades derived from the simulated broker's fills"
    # and the sync log shows the fills fetched and the broker's positions matching the journal
    account_id = accounts[0]["accountId"]
    logs = requests.get(
        f"{stack.rest_url}/v1/broker-accounts/{account_id}/sync-logs", headers=headers, timeout=10
    )
    (log,) = logs.json()["items"]
    assert log["status"] == "success" and log["fetched"] > 0
    assert log["reconciliation"]["mismatches"] == []
    inserted = eventually(
        lambda: (
            requests.get(
                f"{stack.rest_url}/v1/broker-accounts/{account_id}/sync-logs", headers=headers, timeout=10
            ).json()["items"][0]["inserted"]
            == log["fetched"]
        )
    )
    assert inserted
    # And the broker's order book and holdings, as the sync read them, are served
    orders = requests.get(f"{stack.rest_url}/v1/orders", headers=headers, timeout=10)
    assert orders.status_code == 200, orders.text
    assert orders.json()["items"] and log["orders"]["total"] >= len(orders.json()["items"])
    assert {o["accountId"] for o in orders.json()["items"]} == {account_id}
    complete = requests.get(f"{stack.rest_url}/v1/orders?status=complete", headers=headers, timeout=10)
    assert {o["state"] for o in complete.json()["items"]} == {"complete"}
    holdings = requests.get(f"{stack.rest_url}/v1/holdings", headers=headers, timeout=10)
    assert holdings.status_code == 200, holdings.text
    (snapshot,) = holdings.json()["accounts"]
    assert snapshot["accountId"] == account_id and snapshot["items"]
    assert all(h["isin"] and h["quantity"] > 0 and h["averagePrice"] for h in snapshot["items"])
    assert log["holdingsSnapshot"] == {"status": "stored", "count": len(snapshot["items"])}


def test_only_configured_brokers_are_offered(stack: LocalStack) -> None:
    # Given the local stack started with a Zerodha app (ZERODHA_API_KEY/SECRET) and no Upstox app
    _, token = register_and_login(stack.rest_url, prefix="cfg", name="Cfg")
    # When a user asks which brokers they can connect
    listed = requests.get(f"{stack.rest_url}/v1/brokers", headers=bearer(token), timeout=10)
    # Then Zerodha and the simulated broker are offered, Upstox is not
    assert listed.status_code == 200, listed.text
    assert sorted(item["broker"] for item in listed.json()["items"]) == ["simulated", "zerodha"]
    # And connecting Zerodha sends the user to Kite's login with the configured app's key
    started = requests.post(
        f"{stack.rest_url}/v1/broker-accounts", json={"broker": "zerodha"}, headers=bearer(token), timeout=10
    )
    assert started.status_code == 201, started.text
    assert f"api_key={ZERODHA_APP['apiKey']}" in started.json()["loginUrl"]
    # while Upstox is refused clearly
    refused = requests.post(
        f"{stack.rest_url}/v1/broker-accounts", json={"broker": "upstox"}, headers=bearer(token), timeout=10
    )
    assert refused.status_code == 409, refused.text


def test_a_new_user_connects_the_simulated_broker_through_the_browser_redirect(stack: LocalStack) -> None:
    # Given a new user who starts connecting the simulated broker
    _, token = register_and_login(stack.rest_url, prefix="brk", name="Brk")
    started = requests.post(
        f"{stack.rest_url}/v1/broker-accounts",
        json={"broker": "simulated"},
        headers=bearer(token),
        timeout=10,
    )
    assert started.status_code == 201, started.text
    # When the browser follows the broker's login page back to the callback
    login_page = requests.get(started.json()["loginUrl"], allow_redirects=False, timeout=10)
    assert login_page.status_code == 302
    callback = requests.get(login_page.headers["Location"], timeout=30)
    # Then the account is active and syncs through the queues
    assert callback.status_code == 200, callback.text
    assert callback.json()["status"] == "active"
    account_id = started.json()["accountId"]
    logs = eventually(
        lambda: requests.get(
            f"{stack.rest_url}/v1/broker-accounts/{account_id}/sync-logs", headers=bearer(token), timeout=10
        ).json()["items"]
    )
    assert logs and logs[0]["reason"] == "connect"
