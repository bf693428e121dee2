"""The trade journal over HTTP on the local stack with its embedded stand-ins (what `make dev` runs)."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.accounts import register_and_login
from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def token(running: RunningStack) -> str:
    return register_and_login(running.rest_url, prefix="journal", name="Journal")[1]


def test_fills_become_a_trade_and_a_position(running: RunningStack, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    # Given a buy of 10 @ 1,500.05 and, the next trading day, a sell of 6 @ 1,510.10 entered by hand
    for side, quantity, price, day in (("BUY", 10, "1500.05", "20"), ("SELL", 6, "1510.10", "23")):
        body = {
            "symbol": "INFY",
            "exchange": "NSE",
            "side": side,
            "quantity": quantity,
            "price": price,
            "executedAt": f"2026-11-{day}T09:30:00",
        }
        created = requests.post(f"{running.rest_url}/v1/executions", json=body, headers=auth, timeout=30)
        assert created.status_code == 201, created.text
    # When the journal is read
    trades = requests.get(f"{running.rest_url}/v1/trades", headers=auth, timeout=30).json()["items"]
    positions = requests.get(f"{running.rest_url}/v1/positions", headers=auth, timeout=30).json()["items"]
    # Then one open long carries the realized part exactly, and the rest is the position
    assert len(trades) == 1
    assert (trades[0]["status"], trades[0]["realizedPnl"]) == ("open", "60.3")  # 6 × 10.05
    assert [(p["symbol"], p["quantity"]) for p in positions] == [("INFY", 4)]


def test_a_csv_import_is_idempotent(running: RunningStack, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    csv = "date,time,symbol,exchange,side,quantity,price\n2026-11-19,10:00:00,TCS,NSE,BUY,2,4000\n"
    body = {"format": "generic", "csv": csv}
    first = requests.post(f"{running.rest_url}/v1/imports", json=body, headers=auth, timeout=30)
    again = requests.post(f"{running.rest_url}/v1/imports", json=body, headers=auth, timeout=30)
    assert first.status_code == again.status_code == 200, first.text
    assert (first.json()["imported"], again.json()["imported"], again.json()["duplicates"]) == (1, 0, 1)
