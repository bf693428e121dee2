"""Trades benchmarks (`make bench`): the FIFO engine over 100,000 fills, and GET /v1/trades over HTTP
through the local stack with 50,000 trades of one user stored in the suite's MongoDB-wire server."""

from __future__ import annotations

import itertools
import os
import random
import statistics
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pymongo
import pytest
import redis
import requests
from pymongo.database import Database

from functions.manifest import FUNCTIONS
from local.background import BackgroundStack
from local.stack import LocalStack
from local.stores import FERRETDB_GC
from tests.bench.goals import report
from tests.bench.store_cpu import store_processes
from tests.conftest import QUERY_SHAPES
from tests.support.auth import PASSWORD
from tests.support.servers import Server
from tradetrack.analytics.fifo import Fill, Side, Trade, match_fills
from tradetrack.cache.rate_limit import Limit
from tradetrack.config import reset_settings
from tradetrack.db import trades as trades_repo
from tradetrack.db.indexes import ensure_indexes
from tradetrack.trades import to_fill, trade_document

pytestmark = pytest.mark.bench

Document = dict[str, Any]
EXECUTIONS = 100_000
INSTRUMENTS = 200
STORED_TRADES = 50_000
START = datetime(2023, 1, 2, 3, 45, tzinfo=UTC)  # 09:15 IST


# ---- (a) the engine ------------------------------------------------------------------------------


def synthetic_fills(count: int, instruments: int, seed: int = 7) -> list[list[Fill]]:
    """Per instrument, a trader's life: entries, scale-ins, partial and full exits, and flips."""
    rng = random.Random(seed)
    per_instrument = count // instruments
    books: list[list[Fill]] = []
    for instrument in range(instruments):
        price = rng.randint(50_0000, 5000_0000)  # ₹50..₹5,000 scaled 10^4
        position = 0  # signed units
        moment = START + timedelta(minutes=rng.randint(0, 600))
        fills: list[Fill] = []
        for n in range(per_instrument):
            price = max(1_0000, price + rng.randint(-price // 50, price // 50))
            moment += timedelta(minutes=rng.choice((1, 3, 10, 60, 60 * 24, 60 * 24 * 5)))
            roll = rng.random()
            side: Side
            if position == 0 or roll < 0.30:  # open, or scale in on the same side
                side = (
                    ("BUY" if rng.random() < 0.7 else "SELL")
                    if position == 0
                    else ("BUY" if position > 0 else "SELL")
                )
                quantity = rng.randint(1, 200)
            elif roll < 0.65:  # partial exit
                quantity = max(1, abs(position) // rng.randint(2, 4))
                side = "SELL" if position > 0 else "BUY"
            elif roll < 0.90:  # full exit
                quantity = abs(position)
                side = "SELL" if position > 0 else "BUY"
            else:  # flip through zero
                quantity = abs(position) + rng.randint(1, 100)
                side = "SELL" if position > 0 else "BUY"
            position += quantity if side == "BUY" else -quantity
            fills.append(
                Fill(
                    execution_id=f"exe_{instrument:04d}{n:020d}",
                    side=side,
                    quantity=quantity,
                    price=price,
                    fees=rng.randint(0, 20_0000),
                    executed_at=moment,
                    product="MIS" if rng.random() < 0.2 else "CNC",
                    sort_key=f"zerodha:{instrument}-{n}",
                )
            )
        rng.shuffle(fills)  # the engine orders them itself: storage order is not time order
        books.append(fills)
    return books


def test_derive_trades_from_100k_executions(benchmark: Any) -> None:
    books = synthetic_fills(EXECUTIONS, INSTRUMENTS)
    assert sum(len(b) for b in books) == EXECUTIONS

    def derive() -> list[list[Trade]]:
        return [match_fills(book) for book in books]

    derived = benchmark.pedantic(derive, rounds=5, warmup_rounds=1)
    trades = [t for per in derived for t in per]
    flips = sum(1 for per in derived for a, b in itertools.pairwise(per) if a.closed_at == b.opened_at)
    benchmark.extra_info.update(
        {"executions": EXECUTIONS, "instruments": INSTRUMENTS, "trades": len(trades), "flips": flips}
    )
    assert len(trades) > 10_000 and flips > 1_000
    median = benchmark.stats.stats.median
    what = f"FIFO engine over {EXECUTIONS:,} executions, {INSTRUMENTS} instruments (median)"
    assert report(benchmark, what, median, "s", "<= 1 s", median <= 1.0), "the engine missed its 1 s goal"


def test_recompute_cpu_path_for_100k_executions(benchmark: Any) -> None:
    """What recompute does per instrument besides Mongo I/O: document → Fill → trades → documents."""
    books = synthetic_fills(EXECUTIONS, INSTRUMENTS)
    docs = [
        [
            {
                "_id": f.execution_id,
                "userId": "usr_bench",
                "accountId": "zerodha-1",
                "instrument": f"NSE:S{i}",
                "symbol": f"S{i}",
                "exchange": "NSE",
                "segment": "EQ",
                "source": "zerodha",
                "externalId": f.sort_key,
                "side": f.side,
                "quantity": f.quantity,
                "price": f.price,
                "fees": f.fees,
                "executedAt": f.executed_at,
                "product": f.product,
            }
            for f in book
        ]
        for i, book in enumerate(books)
    ]
    now = datetime.now(UTC)

    def recompute_cpu() -> int:
        total = 0
        for book in docs:
            derived = match_fills(to_fill(doc) for doc in book)
            total += len([trade_document(trade, book[0], as_of=now) for trade in derived])
        return total

    assert benchmark.pedantic(recompute_cpu, rounds=3, warmup_rounds=1) > 10_000


# ---- (b) GET /v1/trades over HTTP ----------------------------------------------------------------


def stored_trade(rng: random.Random, user_id: str, n: int) -> Document:
    """A trade document as tradetrack.trades.trade_document writes it (one of 200 instruments)."""
    symbol = f"SYM{n % INSTRUMENTS:03d}"
    opened = START + timedelta(minutes=n * 30 + rng.randint(0, 29))  # ~2.9 years for 50,000
    is_open = n >= STORED_TRADES - INSTRUMENTS and rng.random() < 0.5
    closed = None if is_open else opened + timedelta(minutes=rng.choice((5, 90, 60 * 24 * 3, 60 * 24 * 60)))
    quantity = rng.randint(1, 500)
    entry = rng.randint(50_0000, 5000_0000)
    exit_price = None if is_open else entry + rng.randint(-entry // 20, entry // 20)
    pnl = 0 if exit_price is None else (exit_price - entry) * quantity
    charges = rng.randint(0, 50_0000)
    category = "intraday" if closed and closed - opened < timedelta(hours=6) else "swing"
    return {
        "_id": f"trd_{n:024x}",
        "userId": user_id,
        "accountId": "zerodha-1",
        "instrument": f"NSE:{symbol}",
        "symbol": symbol,
        "exchange": "NSE",
        "segment": "EQ",
        "isFno": False,
        "direction": "LONG" if rng.random() < 0.8 else "SHORT",
        "status": "open" if is_open else "closed",
        "autoCategory": category,
        "category": category,
        "categoryOverride": None,
        "openedAt": opened,
        "closedAt": closed,
        "quantity": quantity,
        "openQuantity": quantity if is_open else 0,
        "openCost": entry * quantity if is_open else 0,
        "avgEntry": entry,
        "avgExit": exit_price,
        "lastPrice": exit_price or entry,
        "realizedPnl": pnl,
        "charges": charges,
        "netPnl": pnl - charges,
        "holdingDays": 0 if closed is None else (closed - opened).days,
        "executionIds": [f"exe_{n:024x}", f"exe_{n + 10**9:024x}"],
        "products": ["CNC"],
        "computedAt": START,
        "notes": "",
        "tags": ["breakout"] if n % 10 == 0 else [],
        "strategy": None,
    }


@dataclass
class TradesStack:
    url: str
    token: str
    user_id: str
    db: Database[Document]
    mongo_url: str | None = None

    def store(self, first: int, last: int) -> None:
        """Trades number first..last-1 of the user, inserted in bulk (5,000 per insert_many)."""
        rng = random.Random(first)
        for start in range(first, last, 5_000):
            docs = [stored_trade(rng, self.user_id, n) for n in range(start, min(last, start + 5_000))]
            self.db["trades"].insert_many(docs, ordered=False)


@pytest.fixture
def trades_stack(
    mongo_server: Server,
    redis_server: Server,
    mongo_client: pymongo.MongoClient[Document],
    redis_client: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[TradesStack]:
    """The local stack on free ports over the suite's real servers, with one registered user."""
    name = f"bench_{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("MONGODB_DB", name)
    monkeypatch.setenv("BCRYPT_COST", "4")  # login is not what is measured here
    # 100 requests/s per user is the production cap; the check (a Redis call) stays, the cap goes.
    monkeypatch.setattr("tradetrack.rest.API_PER_USER", Limit("bench-api", capacity=10**9, per_seconds=1))
    reset_settings()
    db = mongo_client[name]
    ensure_indexes(db)
    # The measured functions get room to answer however slow the server is: the figure is the point
    # (in make dev a page slower than the trades function's 10 s is API Gateway's 502, local.rest).
    slow = ("trades", "analytics")
    functions = [replace(spec, timeout_s=300) if spec.name in slow else spec for spec in FUNCTIONS]
    stack = LocalStack(
        port=0,
        ws_port=0,
        functions=functions,
        integration_timeout_s=300,
        mongo_client=mongo_client,
        redis_client=redis_client,
        schedules_enabled=False,
    )
    try:
        with BackgroundStack(stack, start_timeout_s=60):
            session = requests.Session()
            email = f"bench-{uuid.uuid4().hex[:8]}@example.in"
            registered = session.post(
                f"{stack.rest_url}/v1/auth/register",
                json={"email": email, "password": PASSWORD, "name": "Bench Trader"},
                timeout=30,
            )
            assert registered.status_code == 201, registered.text
            logged_in = session.post(
                f"{stack.rest_url}/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=30
            )
            assert logged_in.status_code == 200, logged_in.text
            yield TradesStack(
                stack.rest_url,
                logged_in.json()["accessToken"],
                registered.json()["userId"],
                db,
                mongo_server.url,
            )
    finally:
        mongo_client.drop_database(name)
        reset_settings()


def _median_ms(call: Any, rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        begin = time.perf_counter()
        call()
        timings.append((time.perf_counter() - begin) * 1000)
    return round(statistics.median(timings), 1)


def _explain(db: Database[Document], query: Document) -> Document:
    """What the server says about the list query (FerretDB v1 reports its pushdowns)."""
    plan = db.command(
        "explain",
        {"find": "trades", "filter": query, "sort": {"openedAt": -1, "_id": -1}, "limit": 51},
        verbosity="queryPlanner",
    )
    found: Document = {
        key: plan[key] for key in ("filterPushdown", "sortPushdown", "limitPushdown") if key in plan
    }
    found["queryPlanner"] = str(plan.get("queryPlanner"))[:200]
    return found


def _list_query_verdicts() -> list[str]:
    """Which declared index serves each shape of the list query the route sent (MongoDB's prefix
    rules, tests/support/query_shapes.py): the proof that Atlas reads a page from an index."""
    return [
        f"{shape.describe()}: {verdict.index or 'NO INDEX'}"
        + (f" (residual {','.join(verdict.residual)})" if verdict.residual else "")
        for shape, _, verdict in QUERY_SHAPES.verdicts()
        if shape.collection == "trades" and shape.origin.endswith("find_trades")
    ]


@pytest.mark.timeout(1800)
def test_get_trades_p50_over_http_with_50k_trades(benchmark: Any, trades_stack: TradesStack) -> None:
    """Goal: p50 <= 30 ms with 50,000 trades of the user (BENCH_TRADES_OTHERS more, default 0, of
    other users in the same collection: 450,000 makes the issue's 500,000, minutes to load).

    The route sends one query: the user's trades newest opened first, page size + 1 documents,
    after the cursor's (openedAt, _id) (keyset, no skip); MongoDB serves it from by_user_opened.
    FerretDB v1 cannot reach the goal: it pushes down equality filters only (PostgreSQL; SQLite:
    `_id` alone) and never a sort but $natural, so it fetches all of the user's trades and sorts
    them in Go. The bench prints the figure, the route's Mongo budget and the index verdict."""
    goal_ms = 30
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {trades_stack.token}"
    url = f"{trades_stack.url}/v1/trades"

    def first_page() -> Any:
        reply = session.get(url, timeout=300)
        assert reply.status_code == 200, reply.text[:300]
        return reply.json()

    # The same route with 500 trades stored: the stack's own cost plus a small scan
    trades_stack.store(0, 500)
    small = _median_ms(first_page, 30)
    trades_stack.store(500, STORED_TRADES)
    others = int(os.environ.get("BENCH_TRADES_OTHERS", "0"))
    db, user_id = trades_stack.db, trades_stack.user_id
    for start in range(0, others, STORED_TRADES):
        other = replace(trades_stack, user_id=f"usr_other{start // STORED_TRADES}")
        other.store(STORED_TRADES + start, STORED_TRADES + min(others, start + STORED_TRADES))
    assert db["trades"].estimated_document_count() == STORED_TRADES + others

    rounds = 3
    server = store_processes(trades_stack.mongo_url)
    cpu_before = server.cpu() if server else (0.0, 0.0)
    with QUERY_SHAPES.window() as window:
        page = benchmark.pedantic(first_page, rounds=rounds)
    cpu_after = server.cpu() if server else (0.0, 0.0)
    assert len(page["items"]) == 50 and page["nextCursor"]
    assert page["items"][0]["tradeId"] == f"trd_{STORED_TRADES - 1:024x}"  # the newest opened
    p50_ms = round(benchmark.stats.stats.median * 1000, 1)
    with QUERY_SHAPES.window() as next_window:
        second = session.get(url, params={"cursor": page["nextCursor"]}, timeout=300).json()
    assert second["items"][0]["tradeId"] == f"trd_{STORED_TRADES - 51:024x}"
    met = p50_ms <= goal_ms
    # Where the time goes: the query straight to the database, and the server's own account of it
    benchmark.extra_info.update(
        {
            "goal_p50_ms": goal_ms,
            "p50_ms": p50_ms,
            "goal_met": met,
            "stored_trades_user": STORED_TRADES,
            "stored_trades_collection": STORED_TRADES + others,
            "mongo_per_request": f"({window.summary()}) / {rounds} requests",
            "mongo_documents_per_request": window.documents("trades") / rounds,
            "mongo_per_next_page": next_window.summary(),
            "index_verdicts": _list_query_verdicts(),
            # where a page's time goes on the server: FerretDB decodes, filters and sorts the user's
            # trades (its GOGC: local/stores.py FERRETDB_GC), PostgreSQL reads them
            "server_cpu_ms_per_request": server
            and {
                "ferretdb": round((cpu_after[0] - cpu_before[0]) * 1000 / rounds),
                "postgresql": round((cpu_after[1] - cpu_before[1]) * 1000 / rounds),
            },
            "ferretdb_gc": {name: os.environ.get(name, value) for name, value in FERRETDB_GC.items()},
            "http_p50_ms_with_500_trades": small,
            "http_me_p50_ms": _median_ms(lambda: session.get(f"{trades_stack.url}/v1/me", timeout=30), 30),
            "db_find_trades_ms": _median_ms(
                lambda: trades_repo.find_trades(db, user_id, {}, limit=51, after=None), 1
            ),
            "db_find_one_by_id_ms": _median_ms(lambda: db["trades"].find_one({"_id": "trd_" + "0" * 24}), 5),
            "explain_first_page": _explain(db, {"userId": user_id}),
        }
    )
    print()
    print(
        f"GET /v1/trades at {STORED_TRADES:,} trades of the user ({STORED_TRADES + others:,} in the "
        f"collection): goal p50 <= {goal_ms} ms, p50 {p50_ms} ms: {'met' if met else 'NOT met'}"
    )
    for key, value in benchmark.extra_info.items():
        print(f"  {key}: {value}")
    assert len(window.reads("trades")) == rounds and window.documents("trades") == 51 * rounds
