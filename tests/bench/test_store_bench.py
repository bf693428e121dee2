"""The local store, measured (`make bench`; docs/local-store.md): FerretDB v1.24.2 on each backend
the harness can start (tests/support/servers.py), loaded with the same documents through pymongo
with the product's indexes (tradetrack.db.indexes.ensure_indexes), timing the product's query
shapes and the suite's per-test cost. Prints the two backends side by side and the winner.

Sizes: BENCH_STORE_USER_DOCS (default 50,000) trades and as many executions of the measured user,
BENCH_STORE_OTHER_DOCS (default 10,000) trades and as many executions spread over 49 other users;
BENCH_STORE_BACKENDS (default "postgresql,sqlite") picks the backends. A shape is timed
BENCH_STORE_ROUNDS times (default 5; the per-test cost twice that), or fewer (at least 3) once its
rounds have taken 60 s; the figure is the median.

Run it alone, on an idle machine: `make bench` runs it with the others, or
`.venv/bin/pytest tests/bench/test_store_bench.py -m bench --benchmark-only -rP -p no:cacheprovider`.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pymongo
import pytest
from pymongo.database import Database

from local import stores
from tests.bench.store_cpu import server_cpu
from tests.bench.test_trades_bench import stored_trade
from tests.support.servers import run_ferretdb
from tradetrack.db import executions as executions_repo
from tradetrack.db import trades as trades_repo
from tradetrack.db.indexes import ensure_indexes

pytestmark = pytest.mark.bench

Document = dict[str, Any]
USER = "usr_bench_store"
OTHER_USERS = 49
PAGE = 50  # GET /v1/trades and /v1/executions default page (the repository is asked for one more)
BATCH = 5_000
START = datetime(2023, 1, 2, 3, 45, tzinfo=UTC)
ROUND_BUDGET_S = 60.0
LOAD = "load every document (insert_many of 5,000)"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


USER_DOCS = _env_int("BENCH_STORE_USER_DOCS", 50_000)
OTHER_DOCS = _env_int("BENCH_STORE_OTHER_DOCS", 10_000)
ROUNDS = _env_int("BENCH_STORE_ROUNDS", 5)
BACKENDS = [b.strip() for b in os.environ.get("BENCH_STORE_BACKENDS", "postgresql,sqlite").split(",") if b]


def execution(rng: random.Random, user_id: str, n: int) -> Document:
    """An execution as tradetrack.db.executions.to_document writes it (one of 200 instruments)."""
    symbol = f"SYM{n % 200:03d}"
    executed = START + timedelta(minutes=(n % 10**6) * 15 + rng.randint(0, 14))
    return {
        "_id": f"exe_{user_id[-6:]}{n:018x}",
        "userId": user_id,
        "accountId": "zerodha-1",
        "source": "zerodha",
        "externalId": f"NSE:{executed.date().isoformat()}:{n}",
        "symbol": symbol,
        "exchange": "NSE",
        "segment": "EQ",
        "instrument": f"EQ:{symbol}",
        "side": "BUY" if rng.random() < 0.5 else "SELL",
        "quantity": rng.randint(1, 500),
        "price": rng.randint(50_0000, 5000_0000),
        "fees": rng.randint(0, 20_0000),
        "feesGiven": True,
        "executedAt": executed,
        "tradeDate": executed.date().isoformat(),
        "product": "CNC",
        "orderId": f"ord_{n}",
        "isin": None,
        "multiplier": 1,
        "createdAt": START,
    }


def other_user(n: int) -> str:
    return f"usr_other_{n % OTHER_USERS:02d}"


def load(db: Database[Document]) -> float:
    """The same documents on every backend (seeded); returns the seconds the inserts took."""
    rng = random.Random(14)
    began = time.perf_counter()
    for collection, make in (("trades", stored_trade), ("executions", execution)):
        for owner, count in ((USER, USER_DOCS), (None, OTHER_DOCS)):
            for first in range(0, count, BATCH):
                docs = [
                    make(rng, owner or other_user(n), n + (0 if owner else 10**7))
                    for n in range(first, min(count, first + BATCH))
                ]
                db[collection].insert_many(docs, ordered=False)
    return time.perf_counter() - began


@dataclass
class Timing:
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # the server processes' CPU seconds per round

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def cpu_ms(self) -> float:
        return statistics.median(self.cpu) * 1000 if self.cpu else float("nan")


Shape = Callable[[int], object]


def shapes_of(client: pymongo.MongoClient[Document], db: Database[Document]) -> dict[str, tuple[Shape, int]]:
    """The product's query shapes on a loaded `db`, each with its number of rounds."""
    newest_trade = trades_repo.find_trades(db, USER, {}, limit=1, after=None)[0]

    def trades_page(_: int) -> None:
        page = trades_repo.find_trades(db, USER, {}, limit=PAGE + 1, after=None)
        assert len(page) == min(PAGE + 1, USER_DOCS) and page[0]["_id"] == newest_trade["_id"]

    def trades_next_page(_: int) -> None:
        after = (newest_trade["openedAt"], newest_trade["_id"])
        page = trades_repo.find_trades(db, USER, {"status": "closed"}, limit=PAGE + 1, after=after)
        assert page and all(doc["status"] == "closed" for doc in page)

    def executions_page(_: int) -> None:
        page = executions_repo.find_executions(db, USER, {}, limit=PAGE + 1, after=None)
        assert len(page) == min(PAGE + 1, USER_DOCS)

    def point_read(n: int) -> None:
        trade_id = f"trd_{(USER_DOCS // 3 + n * 97) % USER_DOCS:024x}"
        assert trades_repo.get_trade(db, USER, trade_id) is not None

    def insert_1000(n: int) -> None:
        rng = random.Random(n)
        docs = [execution(rng, f"usr_insert_{n + 1:02d}", 2 * 10**7 + i) for i in range(1_000)]
        db["executions"].insert_many(docs, ordered=False)

    def update_by_id(n: int) -> None:
        trade_id = f"trd_{(USER_DOCS // 4 + n * 89) % USER_DOCS:024x}"
        result = db["trades"].update_one({"_id": trade_id}, {"$set": {"notes": f"round {n}"}})
        assert result.matched_count == 1

    def per_test_database(_: int) -> None:
        """What tests/conftest.py's mongo_db costs a test that writes: a database, its indexes, the drop."""
        scratch = f"test_{uuid.uuid4().hex[:16]}"
        ensure_indexes(client[scratch])
        client.drop_database(scratch)

    return {
        "GET /v1/trades page (find_trades)": (trades_page, ROUNDS),
        "trades next page, status=closed": (trades_next_page, ROUNDS),
        "GET /v1/executions page": (executions_page, ROUNDS),
        "point read by _id (get_trade)": (point_read, ROUNDS),
        "insert_many 1,000 executions": (insert_1000, ROUNDS),
        "update_one by _id": (update_by_id, ROUNDS),
        "per-test db: create + indexes + drop": (per_test_database, ROUNDS * 2),
    }


def measure(
    clients: dict[str, pymongo.MongoClient[Document]], markers: dict[str, tuple[str, ...]]
) -> dict[str, dict[str, Timing]]:
    """Every backend loaded, then each shape's rounds interleaved across backends (a round on one,
    the same round on the next), so that load from elsewhere on the machine hits them alike.
    A shape stops after 3 rounds once one backend's rounds of it have taken ROUND_BUDGET_S."""
    figures: dict[str, dict[str, Timing]] = {backend: {} for backend in clients}
    shapes: dict[str, dict[str, tuple[Shape, int]]] = {}
    for backend, client in clients.items():
        db = client["bench_store"]
        ensure_indexes(db)
        figures[backend][LOAD] = Timing([load(db)])
        shapes[backend] = shapes_of(client, db)
    first = next(iter(shapes.values()))
    for shape, (_, rounds) in first.items():
        for backend in clients:
            shapes[backend][shape][0](-1)  # warm-up
            figures[backend][shape] = Timing()
        for n in range(rounds):
            for backend in clients:
                cpu_before = server_cpu(markers[backend])
                began = time.perf_counter()
                shapes[backend][shape][0](n)
                figures[backend][shape].seconds.append(time.perf_counter() - began)
                figures[backend][shape].cpu.append(server_cpu(markers[backend]) - cpu_before)
            spent = max(sum(figures[backend][shape].seconds) for backend in clients)
            if n >= 2 and spent > ROUND_BUDGET_S:
                break
    return figures


def table(figures: dict[str, dict[str, Timing]]) -> str:
    backends = list(figures)
    shapes = list(next(iter(figures.values())))
    width = max(len(s) for s in shapes) + 2
    lines = [
        f"FerretDB {stores.FERRETDB_VERSION}: {USER_DOCS:,} trades + {USER_DOCS:,} executions of one user, "
        f"{OTHER_DOCS:,} + {OTHER_DOCS:,} of {OTHER_USERS} others",
        "median wall ms / median server CPU ms (FerretDB + PostgreSQL processes), (rounds)",
        "shape".ljust(width) + "".join(b.rjust(28) for b in backends) + "  faster (wall)",
    ]
    for shape in shapes:
        cells = {b: figures[b][shape] for b in backends}
        row = shape.ljust(width)
        for b in backends:
            t = cells[b]
            if shape == LOAD:
                shown = f"{t.median_ms / 1000:.1f} s"
            else:
                shown = f"{t.median_ms:.1f} / {t.cpu_ms:.1f} ({len(t.seconds)})"
            row += shown.rjust(28)
        if len(backends) == 2:
            first, second = (cells[x].median_ms for x in backends)
            faster, ratio = (
                (backends[0], second / first) if first <= second else (backends[1], first / second)
            )
            row += f"  {faster} ×{ratio:.1f}"
        lines.append(row)
    return "\n".join(lines)


def winner(figures: dict[str, dict[str, Timing]]) -> str:
    """The backend with the smaller sum of medians over the query shapes and the per-test cost."""
    totals = {
        backend: sum(t.median_ms for shape, t in shapes.items() if shape != LOAD)
        for backend, shapes in figures.items()
    }
    return min(totals, key=lambda backend: totals[backend])


@pytest.mark.timeout(3600)
def test_store_backends_side_by_side(benchmark: Any) -> None:
    with ExitStack() as stack:
        clients: dict[str, pymongo.MongoClient[Document]] = {}
        markers: dict[str, tuple[str, ...]] = {}
        for backend in BACKENDS:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix=f"tradetrack-bench-{backend}-"))
            url = stack.enter_context(run_ferretdb(Path(tmp), backend))
            clients[backend] = stack.enter_context(pymongo.MongoClient(url, tz_aware=True))
            # FerretDB's command line holds its listen address; the postmaster's and SQLite's, tmp
            markers[backend] = (f"--listen-addr={url.removeprefix('mongodb://').rstrip('/')}", tmp)
        figures = measure(clients, markers)
        # pytest-benchmark's own record: the trades page on the first backend, 3 more rounds.
        db = clients[BACKENDS[0]]["bench_store"]
        benchmark.pedantic(
            trades_repo.find_trades, args=(db, USER, {}), kwargs={"limit": PAGE + 1, "after": None}, rounds=3
        )
    print()
    print(table(figures))
    best = winner(figures)
    print(f"winner (smallest sum of medians over the shapes): {best}")
    benchmark.extra_info.update({"backends": BACKENDS, "winner": best, "user_docs": USER_DOCS})
    assert set(figures) == set(BACKENDS)
