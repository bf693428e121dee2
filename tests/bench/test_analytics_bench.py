"""Analytics benchmarks (`make bench`): summary + timeseries compute for 1,000,000 executions
(500,000 round trips) over 500 symbols, and the by-symbol grouped summaries of the same trades; the
Mongo read of a user's trades, measured separately; the cached summary p50 over HTTP through
the local stack; and the uncached summary p50 over HTTP at 50,000 trades (per-day aggregates).
Sharpe/Sortino/max drawdown beside quantstats and plain numpy: test_risk_bench.py."""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pytest
import redis
import requests

from tests.bench.goals import report
from tests.bench.test_trades_bench import STORED_TRADES, TradesStack, _median_ms, stored_trade, trades_stack
from tests.conftest import QUERY_SHAPES
from tradetrack.analytics.daily import rebuild as rebuild_aggregates
from tradetrack.analytics.service import compute_breakdown, compute_summary, compute_timeseries
from tradetrack.analytics.table import FIELDS, ClosedTrades, Filters, closed_table
from tradetrack.db import daily_pnl
from tradetrack.db.analytics import user_trades
from tradetrack.trades import bump_analytics_version

pytestmark = pytest.mark.bench
__all__ = ["trades_stack"]  # the fixture, shared with the trades benchmarks

EXECUTIONS = 1_000_000
SYMBOLS = 500
FIRST = date(2021, 1, 1).toordinal()


def synthetic_closed(trades: int, seed: int = 11) -> ClosedTrades:
    """Trade-level inputs straight as columns (two executions per round trip), five years of closes."""
    rng = np.random.default_rng(seed)
    docs = [{"symbol": f"SYM{i % SYMBOLS:03d}", "category": "intraday"} for i in range(trades)]
    return ClosedTrades(
        docs=docs,
        realized=rng.integers(-50_000_000, 55_000_000, trades, dtype=np.int64),
        charges=rng.integers(0, 500_000, trades, dtype=np.int64),
        estimated=np.zeros(trades, np.int64),
        close_day=np.sort(rng.integers(FIRST, FIRST + 5 * 365, trades, dtype=np.int64)),
        open_weekday=rng.integers(0, 5, trades, dtype=np.int64),
        open_hour=rng.integers(9, 16, trades, dtype=np.int64),
    )


def test_summary_and_timeseries_compute_for_1m_executions(benchmark: Any) -> None:
    """Goal: <= 1.5 s of compute (the Mongo read and document decoding are measured apart below)."""
    closed = synthetic_closed(EXECUTIONS // 2)
    now = datetime.now(UTC)

    def compute() -> tuple[Any, Any]:
        summary = compute_summary(closed, Filters(), 10**11, (0, 0), now)
        series = compute_timeseries(closed, Filters(), "day", now)
        return summary, series

    summary, series = benchmark.pedantic(compute, rounds=5, iterations=1, warmup_rounds=1)
    assert summary.closed_trades == EXECUTIONS // 2 and len(series.items) > 1200
    median = benchmark.stats.stats.median
    benchmark.extra_info["compute_s"] = round(median, 3)
    what = (
        f"summary + time series over {EXECUTIONS:,} executions, compute only (the route reads per-day "
        "aggregates, measured end to end by test_uncached_summary_p50_over_http_with_50k_trades)"
    )
    assert report(benchmark, what, median, "s", "<= 1.5 s", median <= 1.5)


def test_by_symbol_grouped_summaries_for_1m_executions(benchmark: Any) -> None:
    """Goal: <= 1.5 s for 500 grouped summaries (trade statistics and daily-series risk per symbol)."""
    closed = synthetic_closed(EXECUTIONS // 2)
    now = datetime.now(UTC)
    result = benchmark.pedantic(
        lambda: compute_breakdown(closed, Filters(), 10**11, "symbol", now),
        rounds=5,
        iterations=1,
        warmup_rounds=1,
    )
    assert len(result.items) == SYMBOLS and sum(g.closed_trades for g in result.items) == EXECUTIONS // 2
    assert all(g.sharpe is not None and g.max_drawdown_pct is not None for g in result.items)
    median = benchmark.stats.stats.median
    benchmark.extra_info["compute_s"] = round(median, 3)
    what = (
        f"{SYMBOLS} by-symbol summaries over {EXECUTIONS:,} executions, compute only (the route also reads "
        "every closed trade: test_documents_to_columns_and_mongo_read measures that read)"
    )
    assert report(benchmark, what, median, "s", "<= 1.5 s", median <= 1.5)


def test_documents_to_columns_and_mongo_read(benchmark: Any, trades_stack: TradesStack) -> None:
    """The other part of a computation: FerretDB read of the user's trades (20,000 stored here — a
    full 500,000-trade user would take minutes to insert) and decoding documents into columns."""
    stored = 20_000
    trades_stack.store(0, stored)
    docs = benchmark.pedantic(
        lambda: user_trades(trades_stack.db, trades_stack.user_id, FIELDS), rounds=3, iterations=1
    )
    assert len(docs) == stored
    read_s = benchmark.stats.stats.median
    rng = random.Random(5)
    many = [stored_trade(rng, "usr_x", n) | {"charges": 1} for n in range(100_000)]
    closed_docs = [d for d in many if d.get("closedAt") is not None]
    begin = time.perf_counter()
    closed_table(closed_docs)
    decode_s = time.perf_counter() - begin
    benchmark.extra_info.update(
        mongo_read_s_per_20k=round(read_s, 3),
        mongo_read_s_per_500k_extrapolated=round(read_s * 25, 2),
        decode_s_per_100k_docs=round(decode_s, 3),
    )
    what = (
        f"FerretDB read of {stored:,} trades (x25 for a 500,000-trade user: {read_s * 25:.1f} s), "
        f"decoding 100,000 documents into columns {decode_s:.3f} s"
    )
    report(benchmark, what, read_s, "s", "part of the breakdowns' end to end", None)


def test_cached_summary_p50_over_http(benchmark: Any, trades_stack: TradesStack) -> None:
    """Goal: p50 <= 5 ms through the local stack (authorizer + handler + Redis), a cache hit."""
    trades_stack.store(0, 2_000)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {trades_stack.token}"
    url = f"{trades_stack.url}/v1/analytics/summary"
    assert session.get(url, timeout=300).json()["cached"] is False

    def hit() -> Any:
        reply = session.get(url, timeout=30)
        assert reply.status_code == 200 and reply.json()["cached"] is True
        return reply

    benchmark.pedantic(hit, rounds=200, iterations=1, warmup_rounds=5)
    benchmark.extra_info["p50_ms"] = p50_ms = round(benchmark.stats.stats.median * 1000, 2)
    benchmark.extra_info["p50_ms_check"] = _median_ms(hit, 50)
    report(benchmark, "cached GET /v1/analytics/summary p50 over HTTP", p50_ms, "ms", "<= 5 ms", p50_ms <= 5)


def _uncached(session: requests.Session, url: str, cache: redis.Redis, user_id: str, rounds: int) -> Any:
    """(p50 ms, last reply) of `rounds` requests, each a cache miss (the analytics version bumped)."""
    timings = []
    reply: Any = None
    for _ in range(rounds):
        bump_analytics_version(cache, user_id)
        begin = time.perf_counter()
        reply = session.get(url, timeout=300)
        timings.append((time.perf_counter() - begin) * 1000)
        assert reply.status_code == 200, reply.text[:300]
        assert reply.json()["cached"] is False
    return round(statistics.median(timings), 1), reply.json()


def test_uncached_summary_p50_over_http_with_50k_trades(
    benchmark: Any, trades_stack: TradesStack, redis_client: redis.Redis
) -> None:
    """Goal: the uncached summary p50 <= 300 ms at 50,000 trades, over HTTP through the local stack
    (authorizer, handler, the Mongo reads: the per-day aggregates and the open positions). Before,
    the same request read every trade; BENCH_SUMMARY_SCAN=1 measures that once here too (minutes at
    50,000 on FerretDB) and checks the two payloads are equal (tests/integration/test_daily_aggregates.py
    compares them field by field on every run)."""
    goal_ms = 300
    trades_stack.store(0, STORED_TRADES)
    db, user_id = trades_stack.db, trades_stack.user_id
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {trades_stack.token}"
    url = f"{trades_stack.url}/v1/analytics/summary"
    series_url = f"{trades_stack.url}/v1/analytics/timeseries?interval=week"
    # stored straight into the trades collection: the empty aggregates a registration starts with
    # (tradetrack.auth.service.register) no longer hold, as after a crash; readers take the trades
    daily_pnl.forget_state(db, user_id)
    scan_ms, scanned = None, None
    if os.environ.get("BENCH_SUMMARY_SCAN") == "1":
        scan_ms, scanned = _uncached(session, url, redis_client, user_id, 1)
    begin = time.perf_counter()
    assert rebuild_aggregates(db, redis_client, user_id) == STORED_TRADES  # the repair script's path
    build_s = time.perf_counter() - begin

    found: dict[str, Any] = {}

    def uncached() -> None:
        found["reply"] = _uncached(session, url, redis_client, user_id, 1)[1]

    benchmark.pedantic(uncached, rounds=15, iterations=1, warmup_rounds=1)
    p50_ms = round(benchmark.stats.stats.median * 1000, 1)
    reply = found["reply"]
    assert reply["closedTrades"] > 40_000 and reply["openPositions"] > 0
    if scanned is not None:
        assert {k: v for k, v in reply.items() if k != "computedAt"} == {
            k: v for k, v in scanned.items() if k != "computedAt"
        }
    with QUERY_SHAPES.window() as window:
        _uncached(session, url, redis_client, user_id, 1)
    series_ms, _ = _uncached(session, series_url, redis_client, user_id, 9)
    met = p50_ms <= goal_ms
    benchmark.extra_info.update(
        goal_p50_ms=goal_ms,
        p50_ms=p50_ms,
        goal_met=met,
        trades=STORED_TRADES,
        months_stored=db[daily_pnl.DAILY].count_documents({"userId": user_id}),
        before_trade_scan_ms=scan_ms,
        timeseries_week_p50_ms=series_ms,
        aggregates_build_s=round(build_s, 1),
        mongo_per_request=window.summary(),
        mongo_documents_per_request=window.documents(),
    )
    print()
    print(
        f"uncached GET /v1/analytics/summary at {STORED_TRADES:,} trades: goal p50 <= {goal_ms} ms, "
        f"p50 {p50_ms} ms: {'met' if met else 'NOT met'} (the trade scan before: {scan_ms or '-'} ms)"
    )
    for key, value in benchmark.extra_info.items():
        print(f"  {key}: {value}")
    assert met, f"uncached summary p50 {p50_ms} ms > {goal_ms} ms"
