"""Recomputation from stored executions on the real MongoDB-wire server."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymongo.database import Database

from tradetrack.db.executions import insert_executions, to_document
from tradetrack.db.indexes import ensure_indexes
from tradetrack.db.trades import set_annotations
from tradetrack.models.executions import ExecutionIn
from tradetrack.trades import analytics_version, recompute

Db = Database[dict[str, Any]]
DERIVED = ("_id", "direction", "status", "quantity", "openQuantity", "realizedPnl", "charges", "closedAt")


def execution(
    n: int, side: str, qty: int, price: str, *, symbol: str = "INFY", minutes: int = 0
) -> ExecutionIn:
    return ExecutionIn(
        symbol=symbol,
        exchange="NSE",
        side=side,
        quantity=qty,
        price=Decimal(price),
        fees=Decimal("1.25"),
        executed_at=datetime(2026, 2, 2, 9, 20) + timedelta(minutes=minutes),
        external_id=f"T{n}",
    )


def stored_trades(db: Db, user: str = "usr_a") -> list[tuple[Any, ...]]:
    return [tuple(t.get(k) for k in DERIVED) for t in db["trades"].find({"userId": user}).sort("_id", 1)]


def load(
    db: Db, cache: redis.Redis, items: list[ExecutionIn], user: str = "usr_a", *, rebuild: bool = False
) -> None:
    """Store fills and recompute their pairs: from them as facts (the ledgers), or by a rebuild."""
    docs = [to_document(user, "manual", item) for item in items]
    report = insert_executions(db, docs)
    recompute(db, cache, user, report.touched, facts=None if rebuild else docs)


trade_lines = st.lists(
    st.tuples(
        st.sampled_from(["BUY", "SELL"]),
        st.integers(min_value=1, max_value=50),
        st.sampled_from(["100", "101.5", "99.25", "102"]),
        st.sampled_from(["INFY", "TCS"]),
        st.integers(min_value=0, max_value=30),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    trade_lines,
    st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=4),
    st.randoms(use_true_random=False),
)
def test_batches_and_arrival_order_do_not_change_the_stored_trades(
    mongo_db: Db,
    redis_client: redis.Redis,
    lines: list[tuple[str, int, str, str, int]],
    cuts: list[int],
    rng: Any,
) -> None:
    ensure_indexes(mongo_db)
    for collection in ("executions", "trades", "ledgers"):
        mongo_db[collection].delete_many({})
    items = [
        execution(i, side, qty, price, symbol=sym, minutes=m)
        for i, (side, qty, price, sym, m) in enumerate(lines)
    ]
    # Given the fills loaded at once, rebuilt from the collections (user a), and in shuffled
    # batches recomputed from their facts after each (user b)
    load(mongo_db, redis_client, items, "usr_a", rebuild=True)
    arrived = list(items)
    rng.shuffle(arrived)
    start = 0
    for cut in [*sorted(cuts), len(arrived)]:
        load(mongo_db, redis_client, arrived[start:cut], "usr_b")
        start = max(start, cut)
    # Then both users hold the same trades (ids are per-user, so compare the rest)
    a = [row[1:] for row in stored_trades(mongo_db, "usr_a")]
    b = [row[1:] for row in stored_trades(mongo_db, "usr_b")]
    assert sorted(a, key=repr) == sorted(b, key=repr)


def test_annotations_survive_a_recomputation_that_changes_the_trade(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    ensure_indexes(mongo_db)
    load(mongo_db, redis_client, [execution(1, "BUY", 10, "100")])
    trade_id = mongo_db["trades"].find_one({})["_id"]  # type: ignore[index]
    set_annotations(
        mongo_db, "usr_a", trade_id, {"notes": "breakout", "tags": ["nifty"], "categoryOverride": "swing"}
    )
    # When a later execution closes it (and recomputes it)
    load(mongo_db, redis_client, [execution(2, "SELL", 10, "103", minutes=10)])
    trade = mongo_db["trades"].find_one({"_id": trade_id})
    assert trade is not None
    assert (trade["status"], trade["realizedPnl"]) == ("closed", 30_0000)  # 10 × ₹3
    assert (trade["notes"], trade["tags"], trade["category"], trade["autoCategory"]) == (
        "breakout",
        ["nifty"],
        "swing",
        "intraday",
    )


def test_only_touched_instruments_are_recomputed_and_analytics_are_invalidated(
    mongo_db: Db, redis_client: redis.Redis
) -> None:
    ensure_indexes(mongo_db)
    load(mongo_db, redis_client, [execution(1, "BUY", 1, "100", symbol="TCS")])
    tcs_before = mongo_db["trades"].find_one({"symbol": "TCS"})
    version = analytics_version(redis_client, "usr_a")
    load(mongo_db, redis_client, [execution(2, "BUY", 1, "100", symbol="INFY")])
    assert mongo_db["trades"].find_one({"symbol": "TCS"}) == tcs_before  # untouched, computedAt included
    assert analytics_version(redis_client, "usr_a") == version + 1


def test_a_duplicate_fill_changes_nothing(mongo_db: Db, redis_client: redis.Redis) -> None:
    ensure_indexes(mongo_db)
    items = [execution(1, "BUY", 10, "100"), execution(2, "SELL", 4, "101", minutes=1)]
    load(mongo_db, redis_client, items)
    before = stored_trades(mongo_db)
    report = insert_executions(mongo_db, [to_document("usr_a", "manual", item) for item in items])
    assert (len(report.inserted), report.duplicates) == (0, 2)
    assert stored_trades(mongo_db) == before
