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


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    local = LocalStack(port=0, ws_port=0, demo=True, schedules_enabled=False, sqs_poll_interval_s=0.1)
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
