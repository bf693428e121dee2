"""Recompute benchmark (`make bench`): one (account, instrument) pair gets 50 new fills while the
suite's MongoDB-wire server (FerretDB v1) already holds 50,000 executions and 50,000 trades of
other users (and their 1,000 ledgers). Three ways through tradetrack.trades.recompute_pairs:

- fast: facts, with the pair's ledger: every read and write by `_id`;
- new_pair: facts for a pair the sync pipeline vouches has no executions yet (no ledger);
- scan: no facts (a rebuild): the executions and trades collections are read with filters that
  FerretDB v1 cannot push down, so it decodes both collections whole.

FerretDB v1's SQLite backend evaluates an `_id` filter in SQLite over every row (its `_id`
expression does not match its own `_id` index: explain says SCAN), stopping at the first match,
so an `_id` lookup costs the rows before the document; only inserts use an index. Hence "fast"
is dominated by updating the pair's open trade, stored near the end of 50,000 trades.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pymongo
import pytest
import redis
from pymongo.database import Database

from tests.bench.test_trades_bench import stored_trade
from tradetrack.db.executions import execution_id, insert_executions
from tradetrack.db.indexes import ensure_indexes
from tradetrack.db.ledgers import LEDGERS, Ledger
from tradetrack.trades import derive_trades, recompute_pairs

pytestmark = pytest.mark.bench

Document = dict[str, Any]
OTHER_USERS = 500
PAIRS_PER_USER = 2
FILLS_PER_PAIR = 50  # 500 users x 2 pairs x 50 = 50,000 executions
STORED_TRADES = 50_000  # the other users' derived trades, topped up with one heavy user's
HISTORY = 200  # fills the measured pair already has
NEW_FILLS = 50
START = datetime(2024, 1, 1, 3, 45, tzinfo=UTC)
USER = "usr_bench"


class Walk:
    """A trader's fills on one pair: entries, scale-ins, partial and full exits, flips."""

    def __init__(self, user_id: str, account_id: str, symbol: str, seed: int) -> None:
        self.rng = random.Random(seed)
        self.user_id, self.account_id, self.symbol = user_id, account_id, symbol
        self.price = self.rng.randint(50_0000, 5000_0000)
        self.position = 0
        self.moment = START + timedelta(minutes=self.rng.randint(0, 600))
        self.count = 0

    def fills(self, n: int) -> list[Document]:
        return [self._next() for _ in range(n)]

    def _next(self) -> Document:
        rng = self.rng
        self.price = max(1_0000, self.price + rng.randint(-self.price // 50, self.price // 50))
        self.moment += timedelta(minutes=rng.choice((1, 3, 10, 60, 60 * 24)))
        if self.position == 0 or rng.random() < 0.3:
            side = ("BUY" if rng.random() < 0.7 else "SELL") if self.position == 0 else self._with()
            quantity = rng.randint(1, 200)
        else:
            side = self._against()
            roll = rng.random()
            held = abs(self.position)
            quantity = max(1, held // 2) if roll < 0.4 else held if roll < 0.85 else held + rng.randint(1, 50)
        self.position += quantity if side == "BUY" else -quantity
        self.count += 1
        external = f"{self.symbol}-{self.count}-{uuid.uuid4().hex[:8]}"
        return {
            "_id": execution_id(self.user_id, self.account_id, "zerodha", external),
            "userId": self.user_id,
            "accountId": self.account_id,
            "source": "zerodha",
            "externalId": external,
            "symbol": self.symbol,
            "exchange": "NSE",
            "segment": "EQ",
            "instrument": f"NSE:{self.symbol}",
            "side": side,
            "quantity": quantity,
            "price": self.price,
            "fees": rng.randint(0, 20_0000),
            "executedAt": self.moment,
            "product": "MIS" if rng.random() < 0.2 else "CNC",
            "orderId": None,
            "createdAt": START,
        }

    def _with(self) -> str:
        return "BUY" if self.position > 0 else "SELL"

    def _against(self) -> str:
        return "SELL" if self.position > 0 else "BUY"


@pytest.fixture(scope="module")
def loaded(mongo_client: pymongo.MongoClient[Document]) -> Iterator[Database[Document]]:
    """A database of its own, for the module: other users' executions, trades and ledgers."""
    db = mongo_client[f"bench_recompute_{uuid.uuid4().hex[:12]}"]
    try:
        ensure_indexes(db)
        now = datetime.now(UTC)
        executions: list[Document] = []
        trades: list[Document] = []
        ledgers: list[Document] = []
        for u in range(OTHER_USERS):
            for p in range(PAIRS_PER_USER):
                walk = Walk(f"usr_{u:04d}", "acc-1", f"S{u % 250:03d}{p}", seed=u * 10 + p)
                fills = walk.fills(FILLS_PER_PAIR)
                derived = derive_trades(fills, as_of=now)
                ledger = Ledger.of_executions(walk.user_id, ("acc-1", f"NSE:{walk.symbol}"), fills)
                ledger.trade_ids = [t["_id"] for t in derived]
                executions += fills
                trades += [
                    t | {"category": t["autoCategory"], "categoryOverride": None, "notes": "", "tags": []}
                    for t in derived
                ]
                ledgers.append(ledger.document(now=now))
        rng = random.Random(5)
        trades += [stored_trade(rng, "usr_heavy", n) for n in range(STORED_TRADES - len(trades))]
        for name, docs in (("executions", executions), ("trades", trades), (LEDGERS, ledgers)):
            for start in range(0, len(docs), 5_000):
                db[name].insert_many(docs[start : start + 5_000], ordered=False)
        yield db
    finally:
        mongo_client.drop_database(db.name)


def _history(db: Database[Document], cache: redis.Redis, walk: Walk) -> None:
    """The measured pair's past: recorded through recompute with its facts, after everything else."""
    for _ in range(HISTORY // NEW_FILLS):
        facts = walk.fills(NEW_FILLS)
        insert_executions(db, facts)
        recompute_pairs(db, cache, USER, [], facts=facts, missing_ledger_is_empty=True)


@pytest.mark.parametrize("path", ["fast", "new_pair", "scan"])
def test_recompute_one_pair_with_50_new_fills(
    benchmark: Any, loaded: Database[Document], redis_client: redis.Redis, path: str
) -> None:
    db = loaded
    walk = Walk(USER, f"acc-{path}", "INFY", seed=42)
    if path != "new_pair":
        _history(db, redis_client, walk)
    fresh = iter(range(1_000))

    def setup() -> tuple[tuple[list[Document]], dict[str, Any]]:
        nonlocal walk
        if path == "new_pair":  # another instrument each round
            walk = Walk(USER, "acc-new", f"NEW{next(fresh)}", seed=next(fresh))
        facts = walk.fills(NEW_FILLS)
        insert_executions(db, facts)
        return (facts,), {}

    def run(facts: list[Document]) -> list[Document]:
        pair = (facts[0]["accountId"], facts[0]["instrument"])
        if path == "scan":
            return recompute_pairs(db, redis_client, USER, [pair])
        return recompute_pairs(db, redis_client, USER, [pair], facts=facts, missing_ledger_is_empty=True)

    rounds = 2 if path == "scan" else 5
    derived = benchmark.pedantic(run, setup=setup, rounds=rounds, warmup_rounds=0)
    assert derived and sum(len(t["executionIds"]) for t in derived) >= NEW_FILLS
    median = benchmark.stats.stats.median
    benchmark.extra_info.update(
        {
            "path": path,
            "median_ms": round(median * 1000, 1),
            "executions_per_s": round(NEW_FILLS / median),
            "stored_executions": db["executions"].estimated_document_count(),
            "stored_trades": db["trades"].estimated_document_count(),
            "stored_ledgers": db[LEDGERS].estimated_document_count(),
            "pair_trades": len(derived),
            "find_one_missing_id_trades_ms": _ms(lambda: db["trades"].find_one({"_id": "trd_missing"})),
            "find_one_missing_id_ledgers_ms": _ms(lambda: db[LEDGERS].find_one({"_id": "led_missing"})),
            "insert_one_trade_ms": _ms(lambda: db["trades"].insert_one({"_id": f"trd_x{uuid.uuid4().hex}"})),
        }
    )
    print()
    for key, value in benchmark.extra_info.items():
        print(f"  {key}: {value}")


def _ms(call: Any) -> float:
    begin = time.perf_counter()
    call()
    return round((time.perf_counter() - begin) * 1000, 1)
