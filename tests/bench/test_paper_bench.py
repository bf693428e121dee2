"""Paper trading benchmarks (`make bench`): finding the orders one tick crosses among 100,000
resting limit orders (their ids from the Redis price index, the orders from Mongo by id), and a
limit placement's CPU, wall time and Mongo round trips (issue #19's goals: ≤ 100 ms; ≤ 5 ms CPU and
≤ 3 round trips a placement), delivery and MIS (an MIS long, a short sale, a cover)."""

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
from tradetrack.paper import accounts, book, holding_store, matching, placement, stopout
from tradetrack.paper.models import AccountIn, OrderIn
from tradetrack.paper.rules import Rules

pytestmark = pytest.mark.bench

Db = Database[dict[str, Any]]
RESTING = 100_000
SYMBOLS = [f"NSE:SYM{i:03d}" for i in range(100)]
MATCH_GOAL_MS = 100.0
PLACEMENT_CPU_GOAL_MS = 5.0
ROUND_TRIPS_GOAL = 3
PLACEMENTS = 200


def _resting(i: int, now: datetime) -> dict[str, Any]:
    """Order i: 1,000 per instrument, as a book rests: buys limited under the market (₹900-999),
    sells over it (₹1,001-1,100), ten orders at each price."""
    side = "BUY" if (i // 100) % 2 else "SELL"
    step = (i // 200) % 100
    price = (900 + step if side == "BUY" else 1001 + step) * 10_000
    return {
        "_id": f"po_bench{i:07d}",
        "userId": "usr_bench",
        "accountId": "pa_bench",
        "quoteSymbol": SYMBOLS[i % 100],
        "symbol": SYMBOLS[i % 100].split(":")[1],
        "exchange": "NSE",
        "side": side,
        "type": "LIMIT",
        "quantity": 1,
        "price": price,
        "state": "pending",
        "held": price if side == "BUY" else 0,
        "history": [{"state": "pending", "at": now}],
        "createdAt": now,
    }


def test_one_tick_against_100000_resting_orders(
    benchmark: Any, mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given 100,000 resting limit orders over 100 instruments, in Mongo and in the Redis price index
    ensure_indexes(mongo_db)
    now = datetime.now(UTC)
    for start in range(0, RESTING, 10_000):
        docs = [_resting(i, now) for i in range(start, start + 10_000)]
        mongo_db["paper_orders"].insert_many(docs)
        for doc in docs:
            book.add(redis_client, doc)
    # When one instrument ticks down to ₹998.5: its buys limited at ₹999 and ₹998 cross
    crossed = benchmark.pedantic(
        lambda: matching.crossed_orders(mongo_db, redis_client, SYMBOLS[7], 9_985_000),
        rounds=20,
        warmup_rounds=2,
    )
    # Then the orders found are exactly those (5 of the instrument's 1,000 resting orders)
    assert {(o["quoteSymbol"], o["side"]) for o in crossed} == {(SYMBOLS[7], "BUY")}
    assert {o["price"] for o in crossed} <= {9_980_000, 9_990_000} and len(crossed) == 5
    ms = benchmark.stats.stats.median * 1000
    report(
        benchmark,
        f"crossed orders of one tick among {RESTING:,} resting ({len(crossed)} found)",
        ms,
        "ms",
        f"<= {MATCH_GOAL_MS:.0f} ms",
        ms <= MATCH_GOAL_MS,
    )


def test_limit_placement_cpu_and_round_trips(benchmark: Any, mongo_db: Db, redis_client: redis.Redis) -> None:
    # Given an account with room for every placement
    ensure_indexes(mongo_db)
    paper_id = accounts.open_account(
        mongo_db, "usr_bench", AccountIn(starting_balance="9999999999")
    ).account_id
    body = OrderIn(symbol="INFY", exchange="NSE", side="BUY", type="LIMIT", quantity=1, price="10")

    def place() -> None:
        placement.place_order(mongo_db, redis_client, "usr_bench", paper_id, body)

    # When limit buys are placed one after another (service level: no HTTP, no idempotency record)
    cpu, wall = [], []
    for _ in range(PLACEMENTS):
        c0, w0 = time.process_time(), time.perf_counter()
        place()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    with QUERY_SHAPES.window() as window:
        place()
    benchmark.pedantic(place, rounds=20, warmup_rounds=1)
    # Then CPU and round trips a placement against the goals (the CPU includes the local store's
    # client side only: FerretDB and Redis run in their own processes)
    cpu_ms, wall_ms = statistics.median(cpu) * 1000, statistics.median(wall) * 1000
    report(benchmark, "placement wall p50", wall_ms, "ms", "none", None)
    report(
        benchmark,
        "placement CPU p50",
        cpu_ms,
        "ms",
        f"<= {PLACEMENT_CPU_GOAL_MS} ms",
        cpu_ms <= PLACEMENT_CPU_GOAL_MS,
    )
    trips = window.round_trips
    report(
        benchmark,
        f"Mongo round trips a placement ({window.summary()}; Redis locks apart)",
        trips,
        "",
        f"<= {ROUND_TRIPS_GOAL}",
        trips <= ROUND_TRIPS_GOAL,
    )
    per_second = 1 / statistics.median(wall)
    report(benchmark, "placements a second, one thread", per_second, "/s", "none", None)


def _mis(side: str, price: str) -> OrderIn:
    return OrderIn(
        symbol="INFY", exchange="NSE", side=side, type="LIMIT", quantity=1, price=price, product="MIS"
    )


MIS_CASES = {  # the order placed, and whether the account is short INFY first
    "MIS long (limit buy, flat)": (_mis("BUY", "10"), False),
    "MIS short sale (limit sell, flat)": (_mis("SELL", "99999"), False),
    "MIS cover (limit buy, short)": (_mis("BUY", "10"), True),
}


@pytest.mark.parametrize("case", list(MIS_CASES))
def test_mis_placement_cpu_and_round_trips(
    benchmark: Any, mongo_db: Db, redis_client: redis.Redis, case: str
) -> None:
    # Given an account with room for every placement (short 10,000 INFY for the covers), the
    # user's limits cached by a first placement
    ensure_indexes(mongo_db)
    body, short = MIS_CASES[case]
    paper_id = accounts.open_account(
        mongo_db, "usr_bench", AccountIn(starting_balance="9999999999")
    ).account_id
    cache_quotes(redis_client, [Quote(symbol="NSE:INFY", ltp=Decimal("1000"), ts=datetime.now(UTC))])
    if short:
        opened = OrderIn(
            symbol="INFY", exchange="NSE", side="SELL", type="MARKET", quantity=10_000, product="MIS"
        )
        assert (
            placement.place_order(mongo_db, redis_client, "usr_bench", paper_id, opened).state == "executed"
        )

    def place() -> None:
        placement.place_order(mongo_db, redis_client, "usr_bench", paper_id, body)

    place()
    # When MIS limit orders of the case are placed one after another (service level)
    cpu = []
    for _ in range(PLACEMENTS // 2):
        c0 = time.process_time()
        place()
        cpu.append(time.process_time() - c0)
    with QUERY_SHAPES.window() as window:
        place()
    benchmark.pedantic(place, rounds=10, warmup_rounds=1)
    # Then CPU and round trips a placement against the goals
    cpu_ms = statistics.median(cpu) * 1000
    report(benchmark, f"{case}: placement CPU p50", cpu_ms, "ms", f"<= {PLACEMENT_CPU_GOAL_MS} ms",
           cpu_ms <= PLACEMENT_CPU_GOAL_MS)  # fmt: skip
    trips = window.round_trips
    report(benchmark, f"{case}: Mongo round trips a placement ({window.summary()}; Redis apart)", trips, "",
           f"<= {ROUND_TRIPS_GOAL}", trips <= ROUND_TRIPS_GOAL)  # fmt: skip


POSITIONS = 10_000


def test_margin_call_check_of_one_tick_among_10000_mis_positions(
    benchmark: Any, mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given 10,000 open MIS longs over 100 instruments (bought at ₹1,000, margin ₹200 a share), in
    # Mongo and in the Redis stop-out index
    ensure_indexes(mongo_db)
    docs = [
        {
            "_id": f"pa_bench{i:05d}|{SYMBOLS[i % 100]}|MIS",
            "userId": "usr_bench",
            "accountId": f"pa_bench{i:05d}",
            "exchange": "NSE",
            "symbol": SYMBOLS[i % 100].split(":")[1],
            "product": "MIS",
            "quantity": 10,
            "free": 10,
            "cost": 10 * 10_000_000,
            "margin": 10 * 2_000_000,
        }
        for i in range(POSITIONS)
    ]
    mongo_db["paper_holdings"].insert_many(docs)
    rules = Rules(leverage=5, stopout_pct=100)
    stopout.stop_out(mongo_db, redis_client, SYMBOLS[7], 9_000_000, rules=rules)  # builds the index
    # When one instrument ticks at ₹900 (a loss of half the margin: nothing stopped out), through the
    # index, then through the Mongo query it replaced (holding_store.mis_positions_in)
    with QUERY_SHAPES.window() as window:
        assert stopout.stop_out(mongo_db, redis_client, SYMBOLS[7], 9_000_000, rules=rules) == 0
    indexed = benchmark.pedantic(
        lambda: stopout.stop_out(mongo_db, redis_client, SYMBOLS[7], 9_000_000, rules=rules),
        rounds=20,
        warmup_rounds=1,
    )
    assert indexed == 0
    queried = []
    for _ in range(5):
        w0 = time.perf_counter()
        holding_store.mis_positions_in(mongo_db, "NSE", SYMBOLS[7].split(":")[1])
        queried.append(time.perf_counter() - w0)
    # Then the check through the index takes no Mongo round trip
    ms = benchmark.stats.stats.median * 1000
    indexed_what = f"margin-call check of one tick among {POSITIONS:,} MIS positions (Redis index), wall p50"
    report(benchmark, indexed_what, ms, "ms", "none", None)
    queried_what = "the same through the Mongo query it replaced (100 positions of the instrument), wall p50"
    report(benchmark, queried_what, statistics.median(queried) * 1000, "ms", "none", None)
    trips = window.round_trips
    report(
        benchmark,
        f"Mongo round trips of the check ({window.summary() or 'none'})",
        trips,
        "",
        "0",
        trips == 0,
    )
