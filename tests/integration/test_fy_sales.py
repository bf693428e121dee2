"""The tax report's read model (tradetrack.analytics.fy_sales: a FY's sales per pair, kept with the
per-day aggregates) against the trades it stands in for: the report's tax P&L from the read model
equals the one computed from the trades that can have a sale in the FY, field by field, on the
suite's MongoDB-wire server; and without the read model built the report reads the trades."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import redis
from pymongo.database import Database

from tradetrack.analytics import daily
from tradetrack.analytics import fy_sales as fy_sales_model
from tradetrack.analytics.fy_sales import fy_sales
from tradetrack.analytics.service import AnalyticsQuery, compute_tax, tax_pnl
from tradetrack.db import daily_pnl
from tradetrack.db import fy_sales as fy_store
from tradetrack.db.fmv import fmv_of
from tradetrack.db.indexes import ensure_indexes
from tradetrack.executions import delete_manual_execution, record_execution, record_manual_execution
from tradetrack.models.analytics import TaxPnlOut
from tradetrack.models.executions import ExecutionIn
from tradetrack.reports.service import WorkerDeps, fy_sales_from_trades, fy_tax_pnl

Db = Database[dict[str, Any]]
USER = "usr_fy_sales"
REAL = "kite-fy1"
PAPER = "pa_0123456789abcdef0fy1"
CLOCK = datetime(2026, 1, 5, tzinfo=UTC)
LATER = datetime(2030, 1, 1, tzinfo=UTC)


def fill(symbol: str, side: str, quantity: int, price: str, at: str, **extra: Any) -> ExecutionIn:
    return ExecutionIn.model_validate(
        {
            "accountId": extra.pop("account", REAL),
            "symbol": symbol,
            "exchange": extra.pop("exchange", "NSE"),
            "side": side,
            "quantity": quantity,
            "price": price,
            "fees": extra.pop("fees", "3.25"),
            "executedAt": at,
            **extra,
        }
    )


def manual(db: Db, cache: redis.Redis, item: ExecutionIn) -> str:
    return record_manual_execution(db, cache, USER, item, now=LATER).execution_id


@pytest.fixture
def book(mongo_db: Db, redis_client: redis.Redis) -> dict[str, str]:
    """Given a real account's trades with sales in FY 2024-25 under every head (and around it) and a
    paper account's round trip in the FY; returns the ids of fills the tests change."""
    ensure_indexes(mongo_db)
    isin = {"isin": "INE009A01021"}
    fills = [
        # LTCG across 23 July 2024, one lot bought before 1 Feb 2018 (grandfathering: FMV needed)
        fill("INFY", "BUY", 10, "900", "2017-06-01T10:00:00+05:30", **isin),
        fill("INFY", "BUY", 10, "1400", "2023-03-01T10:00:00+05:30", **isin),
        fill("INFY", "SELL", 6, "1500", "2024-07-10T10:00:00+05:30", **isin),
        fill("INFY", "SELL", 14, "1800.5", "2024-08-05T11:00:00+05:30", **isin),  # two lots, one fill
        # STCG before and from 23 July 2024; a sale in FY 2023-24 and one in FY 2025-26 around it
        fill("TCS", "BUY", 5, "3500", "2024-01-10T10:00:00+05:30"),
        fill("TCS", "SELL", 2, "3600", "2024-03-28T10:00:00+05:30"),
        fill("TCS", "SELL", 3, "3900", "2024-07-22T15:00:00+05:30"),
        fill("TCS", "BUY", 4, "4000", "2024-06-10T10:00:00+05:30"),
        fill("TCS", "SELL", 4, "3800", "2024-09-02T10:00:00+05:30"),
        fill("TCS", "BUY", 1, "4100", "2025-03-03T10:00:00+05:30"),
        fill("TCS", "SELL", 1, "4200", "2025-04-02T10:00:00+05:30"),
        # speculative: intraday equity
        fill("SBIN", "BUY", 50, "800", "2024-10-01T09:20:00+05:30", product="MIS"),
        fill("SBIN", "SELL", 50, "806.35", "2024-10-01T14:10:00+05:30", product="MIS"),
        # non-speculative F&O, a short option among them
        fill("NIFTY24DEC24000CE", "BUY", 75, "120", "2024-11-01T10:00:00+05:30", exchange="NFO"),
        fill("NIFTY24DEC24000CE", "SELL", 75, "95.5", "2024-11-20T10:00:00+05:30", exchange="NFO"),
        fill("BANKNIFTY24DEC52000PE", "SELL", 30, "300", "2024-12-02T10:00:00+05:30", exchange="NFO"),
        fill("BANKNIFTY24DEC52000PE", "BUY", 30, "210", "2024-12-10T10:00:00+05:30", exchange="NFO"),
        # still open at the end: no sale
        fill("ITC", "BUY", 100, "450", "2024-12-15T10:00:00+05:30"),
    ]
    ids = [manual(mongo_db, redis_client, item) for item in fills]
    moving = manual(mongo_db, redis_client, fill("HDFCBANK", "BUY", 8, "1600", "2025-03-20T10:00:00+05:30"))
    sold = manual(mongo_db, redis_client, fill("HDFCBANK", "SELL", 8, "1650", "2025-03-28T10:00:00+05:30"))
    for side, price, when in (("BUY", "100", "10:30"), ("SELL", "150", "11:30")):
        at = f"2024-08-06T{when}:00+05:30"
        paper = fill("INFY", side, 10, price, at, account=PAPER, externalId=f"p{side}")
        record_execution(mongo_db, redis_client, USER, "paper", paper)
    return {"first_infy": ids[0], "hdfc_buy": moving, "hdfc_sell": sold}


def from_trades(db: Db, fy: int) -> TaxPnlOut:
    sales = fy_sales_from_trades(db, USER, fy)
    return compute_tax(sales, fy, CLOCK, fmv_of(db, USER))


def deps(db: Db, cache: redis.Redis) -> WorkerDeps:
    return WorkerDeps(db, cache, None, "unused", notify=lambda _: None, clock=lambda: CLOCK)


def assert_read_model_equals_trades(db: Db, cache: redis.Redis, fy: int) -> TaxPnlOut:
    assert daily_pnl.is_built(db, USER)
    report = fy_tax_pnl(deps(db, cache), USER, fy)
    assert report.model_dump() == from_trades(db, fy).model_dump()
    return report


def test_the_tax_pnl_from_the_fy_sales_equals_the_one_from_the_trades(
    book: dict[str, str], mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given the book (fixture), its read models kept by each recomputation
    # When the FY 2024-25 tax P&L is computed from the read model and from the trades
    report = assert_read_model_equals_trades(mongo_db, redis_client, 2024)
    # Then they are equal field by field, and the read model was read: one document per real pair
    stored = fy_store.of_fy(mongo_db, USER, 2024)
    assert len(stored) == 6  # INFY, TCS, SBIN, two options, HDFCBANK; not ITC (open), not paper
    sales = fy_sales(mongo_db, USER, 2024)
    # INFY 3 (the 14 sold take two lots), TCS 2, SBIN, the two options, HDFCBANK
    assert sales is not None and len(sales) == len(report.items) == 9
    heads = {row.head for row in report.items}
    assert heads == {"ltcg", "stcg", "speculative", "non_speculative"}
    assert {row.bucket for row in report.items if row.head in ("stcg", "ltcg")} == {
        "before_2024_07_23",
        "from_2024_07_23",
    }
    assert all(row.trade_id and not row.symbol.startswith("pa_") for row in report.items)
    assert report.needs_fmv and report.needs_fmv[0].isin == "INE009A01021"
    # and the FYs around it too
    for fy in (2023, 2025):
        assert assert_read_model_equals_trades(mongo_db, redis_client, fy).items


def test_the_report_and_the_api_read_the_fy_sales_not_the_trades(
    book: dict[str, str], mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given the book's FY 2024-25 figures as the trades give them
    expected = without_times(from_trades(mongo_db, 2024))
    # When the user's trades are gone from the store (the read model stays)
    mongo_db["trades"].delete_many({"userId": USER})
    assert fy_sales_from_trades(mongo_db, USER, 2024) == []
    # Then the report and GET /v1/analytics/tax-pnl (uncached, whole FY) still give those figures
    assert without_times(fy_tax_pnl(deps(mongo_db, redis_client), USER, 2024)) == expected
    redis_client.flushdb()
    assert without_times(tax_pnl(mongo_db, redis_client, USER, AnalyticsQuery(), "2024-25")) == expected
    # and the API's filtered reads (a symbol) still read the trades
    assert not tax_pnl(mongo_db, redis_client, USER, AnalyticsQuery(symbol="INFY"), "2024-25").items


def without_times(tax: TaxPnlOut) -> dict[str, Any]:
    return tax.model_dump(exclude={"computed_at", "cached"})


def test_a_changed_trade_and_a_pair_whose_sales_leave_the_fy_are_kept(
    book: dict[str, str], mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given the book; When the pre-2018 INFY lot is deleted (the INFY sales consume other lots now)
    delete_manual_execution(mongo_db, redis_client, USER, book["first_infy"])
    # and HDFCBANK's sale moves from 28 March 2025 (FY 2024-25) to 2 April 2025 (FY 2025-26)
    delete_manual_execution(mongo_db, redis_client, USER, book["hdfc_sell"])
    manual(mongo_db, redis_client, fill("HDFCBANK", "SELL", 8, "1650", "2025-04-02T10:00:00+05:30"))
    # Then both FYs from the read model equal the trades' figures
    before = assert_read_model_equals_trades(mongo_db, redis_client, 2024)
    after = assert_read_model_equals_trades(mongo_db, redis_client, 2025)
    assert "HDFCBANK" not in {row.symbol for row in before.items}
    assert "HDFCBANK" in {row.symbol for row in after.items}
    assert not before.needs_fmv  # the grandfathered lot is gone
    # and the pair's FY 2024-25 document is gone, not left empty
    assert not [doc for doc in fy_store.of_fy(mongo_db, USER, 2024) if "HDFCBANK" in doc["_id"]]


def test_without_the_read_model_built_the_report_reads_the_trades(
    book: dict[str, str], mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given the book, and its FY 2024-25 figures as the read model gives them
    built = fy_tax_pnl(deps(mongo_db, redis_client), USER, 2024)
    # When the user's read models are not trusted (another version) and the FY documents are gone
    older = {"$set": {"version": daily_pnl.AGGREGATE_VERSION - 1}}
    mongo_db[daily_pnl.STATE].update_one({"_id": USER}, older)
    fy_store.forget(mongo_db, USER)
    # Then the read model is not read, and the report (from the trades) has the same figures
    assert fy_sales(mongo_db, USER, 2024) is None
    fallback = fy_tax_pnl(deps(mongo_db, redis_client), USER, 2024)
    assert fallback.items and fallback.model_dump() == built.model_dump()
    # and the next change rebuilds them at the current version, with the FY's documents
    manual(mongo_db, redis_client, fill("ITC", "SELL", 100, "470", "2025-01-15T10:00:00+05:30"))
    assert daily_pnl.is_built(mongo_db, USER) and len(fy_store.of_fy(mongo_db, USER, 2024)) == 7
    assert_read_model_equals_trades(mongo_db, redis_client, 2024)


def test_a_pair_fy_too_large_for_a_document_makes_the_fy_read_the_trades(
    book: dict[str, str], mongo_db: Db, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the book, and the FY 2024-25 figures from the trades
    expected = without_times(from_trades(mongo_db, 2024))
    # When the read models are rebuilt with documents that hold two sales at most (INFY sells 3)
    monkeypatch.setattr(fy_sales_model, "MAX_SALES", 2)
    daily.rebuild(mongo_db, redis_client, USER)
    # Then the aggregates are built, INFY's FY is stored as overflow, and FY 2024-25 reads the trades
    assert daily_pnl.is_built(mongo_db, USER)
    stored = fy_store.of_fy(mongo_db, USER, 2024)
    assert [doc["_id"] for doc in stored if doc.get("overflow")] == [f"{USER}|{REAL}|ISIN:INE009A01021|2024"]
    assert fy_sales(mongo_db, USER, 2024) is None
    assert without_times(fy_tax_pnl(deps(mongo_db, redis_client), USER, 2024)) == expected
    # while FY 2023-24 (TCS alone) still reads the read model
    assert fy_sales(mongo_db, USER, 2023)


def marked(db: Db, symbol: str) -> dict[int, bool]:
    """Each FY document of the pair with `symbol` by FY: whether it still has the test's mark (a
    document written since the mark was set lost it)."""
    docs = db[fy_store.FY_SALES].find({"userId": USER})
    return {int(doc["fy"]): bool(doc.get("mark")) for doc in docs if symbol in doc["trades"]["symbol"]}


def test_a_change_writes_only_the_fy_documents_whose_sales_changed(
    book: dict[str, str], mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given the book, every FY document of the user marked
    mongo_db[fy_store.FY_SALES].update_many({"userId": USER}, {"$set": {"mark": True}})
    assert marked(mongo_db, "TCS") == {2023: True, 2024: True, 2025: True}
    # When TCS is bought and sold again in FY 2025-26 (its earlier FYs' sales stay as they were)
    manual(mongo_db, redis_client, fill("TCS", "BUY", 2, "4300", "2025-06-02T10:00:00+05:30"))
    manual(mongo_db, redis_client, fill("TCS", "SELL", 2, "4350", "2025-06-09T10:00:00+05:30"))
    # Then only TCS's FY 2025-26 document was written; the others keep the mark
    assert marked(mongo_db, "TCS") == {2023: True, 2024: True, 2025: False}
    assert all(marked(mongo_db, "INFY").values())
    # and every FY still equals the trades' figures
    for fy in (2023, 2024, 2025):
        assert_read_model_equals_trades(mongo_db, redis_client, fy)


def test_pair_states_without_fy_digests_have_their_fy_documents_written_once(
    book: dict[str, str], mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given the book, its pair states as written before they kept their FY documents' digests
    mongo_db[daily_pnl.PAIR_STATE].update_many({"userId": USER}, {"$unset": {"fys": ""}})
    mongo_db[fy_store.FY_SALES].update_many({"userId": USER}, {"$set": {"mark": True}})
    # When TCS sells in FY 2025-26 (its earlier FYs' sales unchanged)
    manual(mongo_db, redis_client, fill("TCS", "BUY", 2, "4300", "2025-06-02T10:00:00+05:30"))
    # Then every TCS FY document is written (their stored content is unknown), the digests kept
    assert marked(mongo_db, "TCS") == {2023: False, 2024: False, 2025: False}
    states = mongo_db[daily_pnl.PAIR_STATE].find({"userId": USER})
    assert [state for state in states if "TCS" in state["instrument"] and "fys" in state]
    # and from then on only the changed FY's
    mongo_db[fy_store.FY_SALES].update_many({"userId": USER}, {"$set": {"mark": True}})
    manual(mongo_db, redis_client, fill("TCS", "SELL", 2, "4350", "2025-06-09T10:00:00+05:30"))
    assert marked(mongo_db, "TCS") == {2023: True, 2024: True, 2025: False}
    for fy in (2023, 2024, 2025):
        assert_read_model_equals_trades(mongo_db, redis_client, fy)
