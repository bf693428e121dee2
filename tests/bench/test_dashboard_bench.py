"""The dashboard in a real browser with 10,000 trades (`make bench`; issue #16): usable <= 1.5 s
after login on the local stack.

The local stack serves web/dist on its REST port, on the test store (FerretDB v1.24.2 and Redis, as
the other benchmarks; `make bench` runs FerretDB on PostgreSQL). A user registered over the API is
given their trades the way a trader would: a generated Zerodha tradebook of 2 x BENCH_DASHBOARD_TRADES
fills (buy then sell of each round trip) through the upload flow, polled until the import succeeds
(its last phase re-derives the trades); after the timing, the API's summary must count at least
that many closed trades.

Then web/e2e/dashboard_timing.mjs drives Debian's chromium: ROUNDS fresh browser contexts (empty
HTTP cache, no session; the app's page loaded before the clock starts), each filling the login form
and timing, in the page, from the click of "Log in" until the headline figures show an amount and
the equity curve's canvas is in the page. Nothing asks the API for analytics before the first
round, so it is the first dashboard after the import (the analytics cache in Redis cold); later
rounds are answered from that cache (15 minutes, keyed by the user's trade version). Printed: each round, the
median and the max; the goal is met when the max is within 1.5 s. The load average is printed too
(the machine is shared). Not a timed test of `make test`: a benchmark only.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pymongo
import pytest
import redis
import requests

from local.background import BackgroundStack
from local.stack import LocalStack
from tests.bench.goals import report
from tests.e2e.test_web_app import CHROMIUM, WEB, missing_prerequisite
from tests.support.servers import Server
from tests.support.tradebook import tradebook_csv

TRADES = int(os.environ.get("BENCH_DASHBOARD_TRADES", "10000"))
ROUNDS = int(os.environ.get("BENCH_DASHBOARD_ROUNDS", "5"))
GOAL_S = 1.5
TIMING = WEB / "e2e" / "dashboard_timing.mjs"
PASSWORD = "Quiet-Harbour-Lamp-42"

pytestmark = [pytest.mark.bench, pytest.mark.timeout(900)]


@pytest.fixture
def stack(mongo_server: Server, redis_server: Server) -> Iterator[LocalStack]:
    reason = missing_prerequisite()
    if reason is not None:
        pytest.skip(reason)
    if not (mongo_server.url and redis_server.url):
        pytest.skip("the test store (FerretDB, Redis) is not running")
    client: Any = pymongo.MongoClient(mongo_server.url, tz_aware=True)
    cache = redis.Redis.from_url(redis_server.url, decode_responses=True)
    client.drop_database("tradetrack")
    cache.flushdb()
    local = LocalStack(
        port=0,
        ws_port=0,
        broker_port=0,
        mongo_client=client,
        redis_client=cache,
        schedules_enabled=False,
        demo=False,
    )
    with BackgroundStack(local) as running:
        yield running
    client.drop_database("tradetrack")
    client.close()
    cache.flushdb()


def _trader_with_trades(rest_url: str) -> tuple[str, dict[str, str]]:
    """A new trader's email and API auth header, their trades imported from a tradebook."""
    email = f"bench-dashboard-{uuid.uuid4().hex[:8]}@example.in"
    registered = requests.post(
        f"{rest_url}/v1/auth/register",
        json={"email": email, "password": PASSWORD, "name": "Bench Trader"},
        timeout=30,
    )
    assert registered.status_code == 201, registered.text
    login = requests.post(
        f"{rest_url}/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=30
    )
    assert login.status_code == 200, login.text
    auth = {"Authorization": f"Bearer {login.json()['accessToken']}"}
    ticket = requests.post(
        f"{rest_url}/v1/imports/uploads", json={"format": "zerodha_tradebook"}, headers=auth, timeout=60
    ).json()
    body = tradebook_csv(2 * TRADES).encode()
    put = requests.put(ticket["uploadUrl"], data=body, headers=ticket["headers"], timeout=120)
    assert put.status_code == 200, put.text
    start = requests.post(f"{rest_url}{ticket['startUrl']}", headers=auth, timeout=60)
    assert start.status_code == 202, start.text
    deadline = time.monotonic() + 600
    state = ""
    while time.monotonic() < deadline:
        reply = requests.get(f"{rest_url}/v1/imports/{ticket['importId']}", headers=auth, timeout=60)
        state = reply.json().get("state", "") if reply.status_code == 200 else ""
        if state in ("succeeded", "failed"):
            break
        time.sleep(1)
    assert state == "succeeded", f"the import ended {state or 'unfinished'}"
    return email, auth


def test_dashboard_usable_after_login_with_10000_trades(benchmark: Any, stack: LocalStack) -> None:
    # Given a trader with TRADES closed trades, imported through the product's upload flow
    started = time.perf_counter()
    email, auth = _trader_with_trades(stack.rest_url)
    seeded_s = time.perf_counter() - started
    env = {
        **os.environ,
        "BASE_URL": stack.rest_url,
        "EMAIL": email,
        "PASSWORD": PASSWORD,
        "ROUNDS": str(ROUNDS),
        "CHROMIUM": CHROMIUM,
    }
    outcome: dict[str, Any] = {}

    def measure() -> None:
        # When they log in through the UI, ROUNDS times, each in a fresh browser context
        result = subprocess.run(
            ["node", str(TIMING)], cwd=WEB, env=env, capture_output=True, text=True, timeout=600, check=False
        )
        assert result.returncode == 0, f"dashboard timing failed:\n{result.stdout}\n{result.stderr}"
        outcome.update(json.loads(result.stdout.strip().splitlines()[-1]))

    load = os.getloadavg()
    benchmark.pedantic(measure, rounds=1, iterations=1)
    load_after = os.getloadavg()
    # Then the trader has the trades (the API's count), each round says when the dashboard was
    # usable, and the worst round is within the goal
    summary = requests.get(f"{stack.rest_url}/v1/analytics/summary", headers=auth, timeout=120)
    assert summary.status_code == 200, summary.text
    trades = int(summary.json()["closedTrades"])
    assert trades >= TRADES, f"the import gave {trades} closed trades"
    rounds: list[dict[str, Any]] = outcome["rounds"]
    assert len(rounds) == ROUNDS
    usable = [r["usableMs"] / 1000 for r in rounds]
    for number, r in enumerate(rounds, 1):
        cold = " (analytics cache cold)" if number == 1 else ""
        print(
            f"\nround {number}{cold}: usable {r['usableMs']} ms (figures {r['figuresMs']}, "
            f"chart {r['chartMs']}; heatmap {r['heatmapMs']}; wall time seen by the driver "
            f"{r['wallMs']}) requests ms: {r['requests']}"
        )
    print(
        f"\n{trades:,} closed trades (imported in {seeded_s:.1f} s); load average 1 min "
        f"{load[0]:.2f} before, {load_after[0]:.2f} after, on {os.cpu_count()} CPUs; "
        f"fresh browser context each round (empty HTTP cache); round 1 with the analytics cache cold; "
        f"driver's wall time max {max(r['wallMs'] for r in rounds)} ms (incl. its polling)"
    )
    report(benchmark, "dashboard usable after login, median", statistics.median(usable), "s", "", None)
    report(
        benchmark,
        "dashboard usable after login, max",
        max(usable),
        "s",
        f"<= {GOAL_S} s",
        max(usable) <= GOAL_S,
    )
