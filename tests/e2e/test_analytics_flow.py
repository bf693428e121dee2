"""Analytics over HTTP on the local stack with its embedded stand-ins (mongomock, what `make dev` runs)."""

from __future__ import annotations

import json

import pytest
import requests

from tests.e2e.accounts import register_and_login
from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e
ROUTES = ("summary", "by-category", "by-symbol", "by-weekday", "by-hour", "timeseries", "tax-pnl")


def test_a_round_trip_shows_in_every_analytics_route_and_the_cache_moves_on(running: RunningStack) -> None:
    url = running.rest_url
    token = register_and_login(url, prefix="analytics", name="A")[1]
    auth = {"Authorization": f"Bearer {token}"}

    def fill(side: str, price: str, minute: str) -> None:
        body = {"symbol": "INFY", "exchange": "NSE", "side": side, "quantity": 10, "price": price,
                "fees": "1", "executedAt": f"2025-11-20T09:{minute}:00"}  # fmt: skip
        assert requests.post(f"{url}/v1/executions", json=body, headers=auth, timeout=30).status_code == 201

    def refuse(constant: str) -> None:
        pytest.fail(f"{constant} in JSON")

    fill("BUY", "1500", "30")
    fill("SELL", "1510", "45")
    for route in ROUTES:
        reply = requests.get(
            f"{url}/v1/analytics/{route}", headers=auth, params={"fy": "2025-26"}, timeout=30
        )
        assert reply.status_code == 200, (route, reply.text)
        json.loads(reply.text, parse_constant=refuse)
    first = requests.get(f"{url}/v1/analytics/summary", headers=auth, timeout=30).json()
    assert (first["netPnl"], first["closedTrades"], first["cached"]) == ("98", 1, True)
    fill("BUY", "1500", "50")
    fill("SELL", "1490", "55")
    after = requests.get(f"{url}/v1/analytics/summary", headers=auth, timeout=30).json()
    assert (after["netPnl"], after["closedTrades"], after["cached"]) == ("-4", 2, False)
    tax = requests.get(
        f"{url}/v1/analytics/tax-pnl", headers=auth, params={"fy": "2025-26"}, timeout=30
    ).json()
    assert tax["speculative"]["netPnl"] == "-4" and len(tax["items"]) == 2
