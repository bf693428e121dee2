"""Risk checks' benchmarks (`make bench`, issue #19): a paper limit placement's CPU and Mongo round
trips with limits in force (the paper placement's goals: ≤ 5 ms CPU, ≤ 3 round trips), once with
order-only limits (read from Redis) and once with a daily-loss limit (the account's snapshot read
from the journal); and one monitor pass over 100 paper accounts with open positions (goal: ≤ 1 s,
well inside the feed's minute)."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import redis
from pymongo.database import Database

from tests.bench.goals import report
from tests.conftest import QUERY_SHAPES
from tradetrack.db.indexes import ensure_indexes
from tradetrack.market.cache import cache_quotes
from tradetrack.market.quote import Quote
from tradetrack.paper import accounts, placement
from tradetrack.paper.models import AccountIn, OrderIn
from tradetrack.risk.models import LimitsIn
from tradetrack.risk.monitor import monitor_paper
from tradetrack.risk.service import set_user_limits

pytestmark = pytest.mark.bench

Db = Database[dict[str, Any]]
CPU_GOAL_MS = 5.0
ROUND_TRIPS_GOAL = 3
PLACEMENTS = 100
ACCOUNTS = 100
MONITOR_GOAL_MS = 1000.0


def _quote(cache: redis.Redis, symbol: str, ltp: str) -> None:
    cache_quotes(cache, [Quote(symbol=symbol, ltp=Decimal(ltp), ts=datetime.now(UTC))])


def _open(db: Db, user_id: str) -> str:
    return accounts.open_account(db, user_id, AccountIn(starting_balance="9999999999")).account_id


@pytest.mark.parametrize(
    ("case", "limits"),
    [
        ("order limits", {"maxOrderValue": "1000000", "allowedExchanges": ["NSE"]}),
        ("daily-loss limit", {"maxLossPerDay": "1000000", "maxOrderValue": "1000000"}),
    ],
)
def test_placement_with_limits_cpu_and_round_trips(
    benchmark: Any, mongo_db: Db, redis_client: redis.Redis, case: str, limits: dict[str, Any]
) -> None:
    # Given a user with limits and an account holding INFY (a position the snapshot reads)
    ensure_indexes(mongo_db)
    set_user_limits(mongo_db, redis_client, "usr_bench", LimitsIn.model_validate(limits))
    paper_id = _open(mongo_db, "usr_bench")
    _quote(redis_client, "NSE:INFY", "1500")
    held = OrderIn(symbol="INFY", exchange="NSE", side="BUY", type="MARKET", quantity=10)
    placement.place_order(mongo_db, redis_client, "usr_bench", paper_id, held)
    body = OrderIn(symbol="INFY", exchange="NSE", side="BUY", type="LIMIT", quantity=1, price="10")

    def place() -> None:
        order = placement.place_order(mongo_db, redis_client, "usr_bench", paper_id, body)
        assert order.state == "pending"

    # When limit buys are placed one after another (service level)
    cpu, wall = [], []
    for _ in range(PLACEMENTS):
        c0, w0 = time.process_time(), time.perf_counter()
        place()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    with QUERY_SHAPES.window() as window:
        place()
    benchmark.pedantic(place, rounds=10, warmup_rounds=1)
    # Then CPU and round trips against the placement's goals
    cpu_ms, wall_ms = statistics.median(cpu) * 1000, statistics.median(wall) * 1000
    report(benchmark, f"placement with {case}, wall p50", wall_ms, "ms", "none", None)
    report(
        benchmark,
        f"placement with {case}, CPU p50",
        cpu_ms,
        "ms",
        f"<= {CPU_GOAL_MS} ms",
        cpu_ms <= CPU_GOAL_MS,
    )
    trips = window.round_trips
    report(
        benchmark,
        f"Mongo round trips a placement with {case} ({window.summary()}; Redis apart)",
        trips,
        "",
        f"<= {ROUND_TRIPS_GOAL}",
        trips <= ROUND_TRIPS_GOAL,
    )


def test_one_monitor_pass_over_100_paper_accounts(
    benchmark: Any, mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given 100 users with a daily-loss limit, each with a paper account holding INFY
    ensure_indexes(mongo_db)
    _quote(redis_client, "NSE:INFY", "1500")
    held = OrderIn(symbol="INFY", exchange="NSE", side="BUY", type="MARKET", quantity=10)
    for i in range(ACCOUNTS):
        user_id = f"usr_bench{i:03d}"
        set_user_limits(mongo_db, redis_client, user_id, LimitsIn.model_validate({"maxLossPerDay": "100000"}))
        placement.place_order(mongo_db, redis_client, user_id, _open(mongo_db, user_id), held)
    sent: list[Any] = []

    def square_off(user_id: str, account_id: str) -> int:
        raise AssertionError("no account is at its limit")

    def tick() -> None:
        result = monitor_paper(mongo_db, redis_client, notify=sent.append, square_off=square_off)
        assert result.accounts == ACCOUNTS and result.recorded == 0

    # When the monitor runs over them (none breaches)
    walls = []
    for _ in range(5):
        w0 = time.perf_counter()
        tick()
        walls.append(time.perf_counter() - w0)
    with QUERY_SHAPES.window() as window:
        tick()
    benchmark.pedantic(tick, rounds=3, warmup_rounds=0)
    # Then one pass takes, against its goal
    ms = statistics.median(walls) * 1000
    report(
        benchmark,
        f"one monitor pass over {ACCOUNTS} paper accounts, wall p50",
        ms,
        "ms",
        f"<= {MONITOR_GOAL_MS:.0f} ms",
        ms <= MONITOR_GOAL_MS,
    )
    report(
        benchmark, f"Mongo round trips of the pass ({window.summary()})", window.round_trips, "", "none", None
    )
    assert sent == []
