"""The per-day aggregates (tradetrack.analytics.daily) against the trade scan they replace, on the
real FY 2024-25 Zerodha tradebook plus synthetic fills with partial exits, shorts and open
positions, stored and recomputed through tradetrack.trades on the suite's MongoDB-wire server."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import redis
from pymongo.database import Database

from tests.conftest import QUERY_SHAPES
from tests.support.real_tradebook import tradebook_documents
from tradetrack.analytics import daily
from tradetrack.analytics.service import (
    AnalyticsQuery,
    _load,
    compute_summary,
    compute_summary_of_days,
    compute_timeseries,
    compute_timeseries_of_days,
    summary,
    timeseries,
)
from tradetrack.db import daily_pnl
from tradetrack.db import trades as trades_repo
from tradetrack.db.executions import insert_executions, to_document
from tradetrack.db.indexes import ensure_indexes
from tradetrack.journal import TradeQuery, list_trades
from tradetrack.models.executions import ExecutionIn
from tradetrack.positions import list_positions, marked_positions, open_trades, portfolio
from tradetrack.trades import recompute

Db = Database[dict[str, Any]]
Document = dict[str, Any]
USER = "usr_daily"
REAL_ACCOUNT = "kite-ab1234"
SYNTHETIC_ACCOUNT = "upstox-9"
SYMBOLS = ("INFY", "TCS", "SBIN", "ITC")
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def synthetic_fills(count: int, seed: int = 3) -> list[ExecutionIn]:
    """Entries, scale-ins, partial and full exits and flips over a few symbols and ~8 months,
    some sessions late enough in the UTC day to fall on the next IST day's edge."""
    rng = random.Random(seed)
    position = dict.fromkeys(SYMBOLS, 0)
    moment = datetime(2025, 1, 6, 9, 20)
    items = []
    for n in range(count):
        symbol = rng.choice(SYMBOLS)
        moment += timedelta(minutes=rng.choice((3, 45, 60 * 20, 60 * 24 * 2)))
        held = position[symbol]
        if held == 0 or rng.random() < 0.3:
            side = ("BUY" if rng.random() < 0.7 else "SELL") if held == 0 else ("BUY" if held > 0 else "SELL")
            quantity = rng.randint(1, 40)
        else:
            side = "SELL" if held > 0 else "BUY"
            quantity = rng.choice((abs(held), max(1, abs(held) // 2), abs(held) + rng.randint(1, 5)))
        position[symbol] += quantity if side == "BUY" else -quantity
        items.append(
            ExecutionIn(
                symbol=symbol,
                exchange="NSE",
                side=side,
                quantity=quantity,
                price=Decimal(rng.randint(9000, 11000)) / 100,
                fees=Decimal(rng.randint(0, 300)) / 100,
                executed_at=moment,
                external_id=f"S{n}",
            )
        )
    return items


def store(db: Db, cache: redis.Redis, docs: list[Document], user: str = USER) -> None:
    report = insert_executions(db, docs)
    recompute(db, cache, user, report.touched, facts=docs)


@pytest.fixture
def journal(mongo_db: Db, redis_client: redis.Redis) -> Db:
    """Given the real tradebook and synthetic fills of one user (and another user's trades)."""
    ensure_indexes(mongo_db)
    store(mongo_db, redis_client, tradebook_documents(USER, REAL_ACCOUNT))
    synthetic = [to_document(USER, "manual", item) for item in synthetic_fills(400)]
    for doc in synthetic:
        doc["accountId"] = SYNTHETIC_ACCOUNT
    store(mongo_db, redis_client, synthetic)
    other = [to_document("usr_other", "manual", item) for item in synthetic_fills(60, seed=9)]
    store(mongo_db, redis_client, other, user="usr_other")
    return mongo_db


QUERIES = [
    AnalyticsQuery(),
    AnalyticsQuery(start="2024-06-01", end="2024-12-31"),
    AnalyticsQuery(start="2025-02-01"),
    AnalyticsQuery(end="2025-03-15"),
    AnalyticsQuery(start="2025-03-10", end="2025-03-10"),
    AnalyticsQuery(start="2030-01-01", end="2030-02-01"),  # nothing in range
    AnalyticsQuery(account_id=SYNTHETIC_ACCOUNT),
    AnalyticsQuery(account_id=REAL_ACCOUNT, start="2024-09-01"),
    AnalyticsQuery(symbol="INFY"),
    AnalyticsQuery(symbol="TCS", account_id=SYNTHETIC_ACCOUNT, start="2025-02-01", end="2025-06-30"),
]


def old_and_new(db: Db, query: AnalyticsQuery, capital: int | None) -> tuple[Document, Document]:
    filters = query.filters()
    assert daily.serves(filters)
    closed, _ = _load(db, USER, filters)
    days = daily.days_of(db, USER, filters)
    old = compute_summary(closed, filters, capital, (0, 0), NOW).model_dump()
    new = compute_summary_of_days(days, filters, capital, (0, 0), NOW).model_dump()
    for interval in ("day", "week", "month"):
        old[interval] = compute_timeseries(closed, filters, interval, NOW).model_dump()
        new[interval] = compute_timeseries_of_days(days, filters, interval, NOW).model_dump()
    return old, new


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: repr(q.params()))
def test_summary_and_timeseries_from_aggregates_equal_the_trade_scan(
    journal: Db, query: AnalyticsQuery
) -> None:
    # Given the stored journal (fixture), its aggregates built and kept by the recomputations
    assert daily_pnl.is_built(journal, USER)
    # When the summary and the time series are computed both ways
    old, new = old_and_new(journal, query, capital=5_000_000_0000)
    # Then every field is the same
    assert old.keys() == new.keys()
    for key in old:
        assert new[key] == old[key], key


def test_the_journal_is_varied_enough_to_compare(journal: Db) -> None:
    # Given the journal; When the unfiltered summary is computed from the trades
    filters = AnalyticsQuery().filters()
    closed, opened = _load(journal, USER, filters)
    result = compute_summary(closed, filters, None, (0, 0), NOW)
    # Then it has wins, losses, partial sales of open trades and open positions
    assert result.wins > 20 and result.losses > 20 and opened
    assert len(closed.pnl_events()) > len(closed)  # more sales than closed trades: partial exits


def test_a_change_keeps_the_aggregates_equal_to_a_rebuild(journal: Db, redis_client: redis.Redis) -> None:
    # Given the journal and its aggregates
    before = sorted_days(journal)
    # When fills arrive for a pair (an exit, a new symbol) and one is removed from another pair
    more = [
        to_document(USER, "manual", item)
        for item in (
            ExecutionIn(symbol="INFY", exchange="NSE", side="SELL", quantity=7, price=Decimal("120"),
                        fees=Decimal("2"), executed_at=datetime(2025, 9, 1, 10, 0), external_id="X1"),
            ExecutionIn(symbol="WIPRO", exchange="NSE", side="BUY", quantity=5, price=Decimal("300"),
                        fees=Decimal("1"), executed_at=datetime(2025, 9, 2, 10, 0), external_id="X2"),
        )
    ]  # fmt: skip
    for doc in more:
        doc["accountId"] = SYNTHETIC_ACCOUNT
    store(journal, redis_client, more)
    gone = journal["executions"].find_one({"userId": USER, "accountId": SYNTHETIC_ACCOUNT, "symbol": "TCS"})
    assert gone is not None
    journal["executions"].delete_one({"_id": gone["_id"]})
    recompute(
        journal,
        redis_client,
        USER,
        [(SYNTHETIC_ACCOUNT, gone["instrument"])],
        facts=[],
        removed=[gone["_id"]],
    )
    kept = sorted_days(journal)
    # Then they changed, and equal what a rebuild from the trades gives
    assert kept != before
    daily.rebuild(journal, redis_client, USER)
    assert sorted_days(journal) == kept
    old, new = old_and_new(journal, AnalyticsQuery(), None)
    assert old == new


def sorted_days(db: Db) -> list[str]:
    """The user's stored day documents, comparable (rows in a canonical order)."""
    found = []
    for name in (daily_pnl.DAILY, daily_pnl.DAILY_PAIRS):
        for doc in db[name].find({"userId": USER}):
            rows = sorted(repr(sorted(row.items())) for row in doc.get("pairs") or ())
            found.append(repr((name, sorted((k, v) for k, v in doc.items() if k != "pairs"), rows)))
    return sorted(found)


def test_open_positions_come_from_the_open_trades_alone(journal: Db, redis_client: redis.Redis) -> None:
    # Given the journal; When positions are built from the pairs' open trades and from the trades collection
    ours = marked_positions(redis_client, open_trades(journal, USER))
    scanned = marked_positions(redis_client, trades_repo.open_trades(journal, USER))
    # Then they are the same positions, and there are some
    assert ours and [p.out() for p in ours] == [p.out() for p in scanned]


def test_without_built_aggregates_the_summary_reads_the_trades(
    journal: Db, redis_client: redis.Redis
) -> None:
    # Given a user whose aggregates are marked missing
    expected = summary(journal, redis_client, USER, AnalyticsQuery(start="2024-06-01")).model_dump()
    daily_pnl.forget_state(journal, USER)
    redis_client.incr(f"analytics:version:{USER}")
    # When the summary is asked for
    found = summary(journal, redis_client, USER, AnalyticsQuery(start="2024-06-01")).model_dump()
    # Then it is the same, read from the trades
    assert {k: v for k, v in found.items() if k != "computed_at"} == {
        k: v for k, v in expected.items() if k != "computed_at"
    }


def test_uncached_summary_and_timeseries_read_days_not_trades(journal: Db, redis_client: redis.Redis) -> None:
    # Given the journal with its aggregates
    past = AnalyticsQuery(start="2025-01-01", end="2025-06-30")
    # When uncached summaries (a past range, and up to now) and a time series are computed
    with QUERY_SHAPES.window() as in_past:
        summary(journal, redis_client, USER, past)
    with QUERY_SHAPES.window() as up_to_now:
        summary(journal, redis_client, USER, AnalyticsQuery())
    with QUERY_SHAPES.window() as series:
        timeseries(journal, redis_client, USER, past, "week")
    # Then no trade is read: the summary reads the user, the state, the six months' day totals in
    # one query, and saves its snapshot; up to now it also reads the pairs with open trades
    months = journal[daily_pnl.DAILY].count_documents({"userId": USER})
    open_pairs = journal[daily_pnl.PAIR_STATE].count_documents({"userId": USER, "hasOpen": True})
    for window in (in_past, up_to_now, series):
        assert window.reads("trades") == []
    assert in_past.summary() == (
        "1× find aggregate_state, 1× find daily_pnl, 1× find users, 1× update analytics"
    )
    assert in_past.documents(daily_pnl.DAILY) == 6 and in_past.documents(daily_pnl.STATE) == 1
    assert up_to_now.summary() == (
        "1× find aggregate_state, 1× find daily_pnl, 1× find pair_state, 1× find users, 1× update analytics"
    )
    assert up_to_now.documents(daily_pnl.DAILY) == months
    assert up_to_now.documents(daily_pnl.PAIR_STATE) == open_pairs
    # And the time series reads the state and the months
    assert series.summary() == "1× find aggregate_state, 1× find daily_pnl"
    assert series.documents(daily_pnl.DAILY) == 6 and series.documents() == 1 + 6


def test_positions_and_a_trades_page_have_a_fixed_mongo_budget(
    journal: Db, redis_client: redis.Redis
) -> None:
    # Given the journal (more trades than pairs with an open trade)
    open_pairs = journal[daily_pnl.PAIR_STATE].count_documents({"userId": USER, "hasOpen": True})
    assert 0 < open_pairs < journal["trades"].count_documents({"userId": USER}) // 2
    # When positions, the portfolio and two pages of trades are read
    with QUERY_SHAPES.window() as positions:
        list_positions(journal, redis_client, USER)
    with QUERY_SHAPES.window() as held:
        portfolio(journal, redis_client, USER)
    with QUERY_SHAPES.window() as first:
        page = list_trades(journal, USER, TradeQuery(), limit=20, cursor=None)
    with QUERY_SHAPES.window() as second:
        list_trades(journal, USER, TradeQuery(), limit=20, cursor=page.next_cursor)
    # Then positions read the state flag and the pairs with open trades, never the trades
    for window in (positions, held):
        assert window.reads("trades") == [] and window.round_trips == 2
        assert window.documents() == 1 + open_pairs
    # And a page of trades is one query of limit + 1 documents, the next page too (keyset)
    for window in (first, second):
        assert window.round_trips == 1 and window.documents("trades") == 21


def test_a_registered_users_first_trades_update_the_aggregates_without_reading_every_trade(
    gateway: Any, mongo_db: Db, redis_client: redis.Redis
) -> None:
    from tests.support.auth import register

    # Given a trader who just registered (no trades yet)
    ensure_indexes(mongo_db)
    user = register(gateway)["userId"]
    # When their first fills are stored and their trades derived
    fills = [to_document(user, "manual", item) for item in synthetic_fills(120)]
    with QUERY_SHAPES.window() as window:
        store(mongo_db, redis_client, fills, user=user)
    # Then the aggregates were updated in place: none of the user's trades was read back to build them
    assert daily_pnl.is_built(mongo_db, user)
    assert not [c for c in window.reads("trades") if "user_trades" in c.origin]
    # and they equal what a build from every trade gives
    kept = list(mongo_db[daily_pnl.DAILY].find({"userId": user}))
    daily.rebuild(mongo_db, redis_client, user)
    rebuilt = list(mongo_db[daily_pnl.DAILY].find({"userId": user}))
    assert kept and sorted(map(repr, kept)) == sorted(map(repr, rebuilt))


def test_refreshing_pairs_whose_trades_are_as_stored_writes_nothing(
    journal: Db, redis_client: redis.Redis
) -> None:
    # Given the journal's aggregates, and the synthetic account's pairs with their trades as stored
    by_pair: dict[tuple[str, str], list[Document]] = {}
    for doc in journal["trades"].find({"userId": USER, "accountId": SYNTHETIC_ACCOUNT}):
        by_pair.setdefault((doc["accountId"], doc["instrument"]), []).append(doc)
    assert len(by_pair) == len(SYMBOLS)
    before = sorted_days(journal)
    # When their aggregates are refreshed with those trades
    with QUERY_SHAPES.window() as window:
        daily.refresh_pairs(journal, redis_client, USER, by_pair)
    # Then the pairs' states are read in one query, and nothing is written: no day, FY document or
    # pair state changed
    assert [c.collection for c in window.reads()] == [daily_pnl.STATE, daily_pnl.PAIR_STATE]
    assert window.writes() == []
    assert sorted_days(journal) == before


def test_a_change_to_several_pairs_reads_their_states_once_and_keeps_the_aggregates(
    journal: Db, redis_client: redis.Redis
) -> None:
    # Given the journal; When an exit of each synthetic pair arrives together, on a new day
    more = [
        to_document(USER, "manual", ExecutionIn(
            symbol=symbol, exchange="NSE", side="SELL", quantity=1, price=Decimal("101"), fees=Decimal("1"),
            executed_at=datetime(2025, 10, 1, 10, n), external_id=f"Y{n}",
        ))
        for n, symbol in enumerate(SYMBOLS)
    ]  # fmt: skip
    for doc in more:
        doc["accountId"] = SYNTHETIC_ACCOUNT
    with QUERY_SHAPES.window() as window:
        store(journal, redis_client, more)
    # Then the four pairs' states were read in one query and written in one command
    assert len(window.reads(daily_pnl.PAIR_STATE)) == 1
    assert len(window.writes(daily_pnl.PAIR_STATE)) == 1
    # and the aggregates equal what a rebuild from the trades gives
    kept = sorted_days(journal)
    daily.rebuild(journal, redis_client, USER)
    assert sorted_days(journal) == kept
