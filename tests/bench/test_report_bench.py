"""Report benchmarks (`make bench`) for a 10,000-trade FY tax P&L, goal <= 5 s:

- the report's own work: the tax P&L computed as GET /v1/analytics/tax-pnl computes it from the
  trades, rendered (PDF, XLSX) and PUT to moto's S3, the trades already read;
- the report worker's whole run (run_report: the store read of the user's trades, the tax P&L
  uncached, render, PUT), where the read of 10,000 trade documents from the test store (FerretDB)
  is most of the time;
- the size the reports capability adds to the Lambda layer (xlsxwriter and tradetrack/reports),
  a figure for the record."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import redis
from pymongo.database import Database

from tests.bench.goals import report
from tradetrack.analytics.realized import realizations_of
from tradetrack.analytics.service import compute_tax
from tradetrack.reports import repository
from tradetrack.reports.models import TaxPnlRequest
from tradetrack.reports.render import tax_file
from tradetrack.reports.service import WorkerDeps, request_report, run_report
from tradetrack.timeutil import IST

pytestmark = pytest.mark.bench

Document = dict[str, Any]
TRADES = 10_000
USER = "usr_report_bench"
BUCKET = "bench-reports"
R = 10_000  # ₹1 scaled
FY_START = datetime(2024, 4, 1, 10, 0, tzinfo=IST)


def fy_trade(rng: random.Random, n: int) -> Document:
    """A closed trade sold in FY 2024-25 with one realization: intraday (speculative), delivery held
    days (STCG) or years (LTCG), or an F&O contract, over 300 instruments."""
    kind = ("intraday", "stcg", "ltcg", "fno")[n % 4]
    sold = FY_START + timedelta(minutes=(n * 50) % (360 * 24 * 60 // 2) * 2)
    held = {
        "intraday": timedelta(minutes=40),
        "stcg": timedelta(days=rng.randint(2, 300)),
        "ltcg": timedelta(days=rng.randint(400, 3000)),
        "fno": timedelta(days=rng.randint(0, 20)),
    }[kind]
    bought = sold - held
    symbol = f"NIFTY24DEC{20000 + n % 75 * 50}CE" if kind == "fno" else f"SYM{n % 225:03d}"
    units = rng.randint(1, 400)
    entry = rng.randint(50 * R, 5000 * R)
    exit_price = entry + rng.randint(-entry // 20, entry // 20)
    pnl = (exit_price - entry) * units
    sale = {
        "at": sold.astimezone(UTC),
        "acquiredAt": bought.astimezone(UTC),
        "quantity": units,
        "entryValue": entry * units,
        "exitValue": exit_price * units,
        "pnl": pnl,
        "fees": 0,
        "intraday": kind == "intraday",
        "entryExecutionId": f"exe_b{n}",
        "exitExecutionId": f"exe_s{n}",
    }
    return {
        "_id": f"trd_{n:024x}", "userId": USER, "accountId": "zerodha-1",
        "instrument": f"{'NFO' if kind == 'fno' else 'NSE'}:{symbol}", "symbol": symbol,
        "exchange": "NFO" if kind == "fno" else "NSE", "segment": "NFO-OPT" if kind == "fno" else "EQ",
        "isin": None if kind == "fno" else f"INE{n % 225:06d}01", "isFno": kind == "fno",
        "direction": "LONG", "status": "closed", "category": "intraday" if kind == "intraday" else "swing",
        "autoCategory": "swing", "book": "intraday" if kind == "intraday" else "delivery",
        "openedAt": bought.astimezone(UTC), "closedAt": sold.astimezone(UTC), "quantity": units,
        "openQuantity": 0, "openCost": 0, "avgEntry": entry, "avgExit": exit_price, "lastPrice": exit_price,
        "realizedPnl": pnl, "charges": rng.randint(0, 50 * R), "chargesEstimated": False,
        "netPnl": pnl, "products": ["MIS" if kind == "intraday" else "CNC"], "realizations": [sale],
        "holdingDays": held.days, "executionIds": [f"exe_b{n}", f"exe_s{n}"], "notes": "", "tags": [],
        "strategy": None,
    }  # fmt: skip


def fy_book() -> list[Document]:
    rng = random.Random(20)
    return [fy_trade(rng, n) for n in range(TRADES)]


@pytest.fixture
def s3(moto_aws: None) -> Any:
    client: Any = boto3.client("s3", region_name="ap-south-1")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
    return client


@pytest.fixture
def book(mongo_db: Database[Document], s3: Any) -> Any:
    docs = fy_book()
    for start in range(0, TRADES, 1000):
        mongo_db["trades"].insert_many(docs[start : start + 1000])
    return s3


@pytest.mark.parametrize("file_format", ["pdf", "xlsx"])
def test_a_10000_trade_fy_tax_report_compute_render_upload(benchmark: Any, s3: Any, file_format: str) -> None:
    """Goal: <= 5 s from the user's trade documents to the file in S3."""
    docs = fy_book()

    def make() -> int:
        sales = [sale for doc in docs for sale in realizations_of(doc)]
        tax = compute_tax(sales, 2024, datetime.now(UTC), {})
        data = tax_file(tax, file_format, datetime.now(UTC))
        s3.put_object(Bucket=BUCKET, Key=f"reports/{USER}/bench.{file_format}", Body=data)
        return len(data)

    size = benchmark.pedantic(make, rounds=3)
    assert size > 100_000
    median = benchmark.stats.stats.median
    what = f"10,000-trade FY tax report as {file_format.upper()} ({size:,} bytes): tax P&L, render, PUT"
    report(benchmark, f"{what} (trades read), median", median, "s", "<= 5 s", median <= 5.0)


def test_a_10000_trade_fy_tax_report_worker_run(
    benchmark: Any, mongo_db: Database[Document], redis_client: redis.Redis, book: Any
) -> None:
    """Goal: <= 5 s for the worker's run as a PDF, uncached (each round a new report, Redis flushed)."""
    file_format = "pdf"
    deps = WorkerDeps(mongo_db, redis_client, book, BUCKET, notify=lambda _: None)
    made: list[str] = []

    def fresh() -> tuple[tuple[str], dict[str, Any]]:
        redis_client.flushdb()  # no cached tax P&L: the store is read and the FY computed again
        queued: list[dict[str, Any]] = []
        request = TaxPnlRequest(kind="tax_pnl", period="2024-25", format=file_format)
        out = request_report(mongo_db, USER, request, queued.append)
        made.append(out.report_id)
        return (out.report_id,), {}

    outcome = benchmark.pedantic(lambda report_id: run_report(deps, report_id), setup=fresh, rounds=2)
    assert outcome == "ready"
    doc = mongo_db[repository.REPORTS].find_one({"_id": made[-1]})
    assert doc is not None
    size = book.head_object(Bucket=BUCKET, Key=doc["key"])["ContentLength"]
    assert size == doc["size"] > 10_000
    median = benchmark.stats.stats.median
    report(benchmark, f"report worker run, 10,000-trade FY tax report as PDF ({size:,} bytes) with the store "
           "read (test store), median", median, "s", "<= 5 s", median <= 5.0)  # fmt: skip


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and "__pycache__" not in f.parts)


def test_the_layer_size_the_reports_add(benchmark: Any) -> None:
    """For the record: xlsxwriter as installed in the layer build (or the venv), and tradetrack/reports."""
    import xlsxwriter

    import tradetrack.reports

    root = Path(__file__).resolve().parents[2]
    built = root / "build" / "layers" / "deps" / "python" / "xlsxwriter"
    library = built if built.is_dir() else Path(xlsxwriter.__file__).parent
    package = Path(tradetrack.reports.__file__).parent
    added = benchmark.pedantic(lambda: _size(library) + _size(package), rounds=1)
    report(benchmark, f"layer size added by reports (xlsxwriter {_size(library):,} B + tradetrack/reports "
           f"{_size(package):,} B)", added / 1e6, "MB", "", None)  # fmt: skip
