"""Paper and real books are never mixed in totals unless asked (issue #19, docs/paper.md): a trader
with a real account and a paper account sees only the real figures by default in the analytics
summary, time series, breakdowns, tax P&L, positions, portfolio, trade list and daily summary;
`accountId=pa_…` shows the paper account alone (tax P&L flagged paper); `includePaper=true` both.
Real FerretDB and Redis; figures worked by hand."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import redis
from pymongo.database import Database

from tests.integration.notify.test_live_events import bodies, queue
from tests.integration.test_analytics_api import analytics, two_trades
from tests.integration.test_trades_api import execute, get, quote
from tests.support.auth import Account, new_account
from tests.support.gateway import Gateway
from tradetrack.aws import aws_client
from tradetrack.db import daily_pnl
from tradetrack.executions import record_execution
from tradetrack.models.executions import ExecutionIn
from tradetrack.notify.summary import summarize
from tradetrack.reports.service import WorkerDeps, render_report

__all__ = ["queue"]  # the notifications queue fixture

Db = Database[dict[str, Any]]
PAPER = "pa_0123456789abcdef0123"  # a paper account's id (tradetrack.book: the pa_ prefix)


def paper_fill(
    db: Db, cache: redis.Redis, account: Account, side: str, quantity: int, price: str, **extra: Any
) -> None:
    """A paper fill journaled as the paper service journals one (source "paper", the paper account)."""
    day, at = extra.pop("day"), extra.pop("at", "09:30")
    item = ExecutionIn.model_validate(
        {
            "accountId": PAPER,
            "symbol": extra.pop("symbol", "INFY"),
            "exchange": "NSE",
            "side": side,
            "quantity": quantity,
            "price": price,
            "fees": extra.pop("fees", "1"),
            "executedAt": f"{day}T{at}:00+05:30",
            "externalId": uuid.uuid4().hex,
        }
    )
    record_execution(db, cache, account.user_id, "paper", item)


def both_books(gateway: Gateway, db: Db, cache: redis.Redis) -> Account:
    """Real account "manual": INFY +98 net on Mon 3 Mar 2025, TCS −52 on Wed 5 Mar, RELIANCE 2 open.
    Paper account: INFY 10 @ 100 → 150 on Tue 4 Mar, ₹1 fees a side (gross 500, charges 2, net
    498); SBIN 3 bought on Thu 6 Mar, open."""
    account = new_account(gateway)
    two_trades(gateway, account)
    execute(gateway, account, "BUY", 2, "1000", symbol="RELIANCE", fees="0", at="10:00", day="2025-03-06")
    paper_fill(db, cache, account, "BUY", 10, "100", day="2025-03-04", at="09:30")
    paper_fill(db, cache, account, "SELL", 10, "150", day="2025-03-04", at="10:30")
    paper_fill(db, cache, account, "BUY", 3, "500", symbol="SBIN", fees="0", day="2025-03-06")
    return account


@pytest.fixture(params=["aggregates", "trades"])
def read_from(request: pytest.FixtureRequest) -> str:
    """Each read twice: from the per-day aggregates, and from the trades (aggregates not built)."""
    return str(request.param)


def as_read(db: Db, account: Account, read_from: str) -> None:
    if read_from == "trades":
        daily_pnl.forget_state(db, account.user_id)  # readers fall back to the trades collection
    else:
        assert daily_pnl.is_built(db, account.user_id)


def totals(summary: dict[str, Any]) -> tuple[str, str, str, int]:
    return summary["realizedPnl"], summary["charges"], summary["netPnl"], summary["closedTrades"]


def test_the_summary_is_of_the_real_accounts_unless_a_paper_account_is_named(
    gateway: Gateway, mongo_db: Db, redis_client: redis.Redis, read_from: str
) -> None:
    # Given a trader with a real and a paper account (figures in both_books)
    account = both_books(gateway, mongo_db, redis_client)
    as_read(mongo_db, account, read_from)
    # When they read the summary without an account
    real = analytics(gateway, account, "summary")
    # Then it is the real account's alone: gross 100 − 50, charges 4, net 46, two closed trades,
    # best day Monday's 98, one open position (RELIANCE)
    assert totals(real) == ("50", "4", "46", 2)
    assert (real["wins"], real["losses"], real["bestDay"]["netPnl"], real["openPositions"]) == (1, 1, "98", 1)
    # When they name the paper account
    paper = analytics(gateway, account, "summary", accountId=PAPER)
    # Then it is the paper account's alone: one win of 498, SBIN open
    assert totals(paper) == ("500", "2", "498", 1)
    assert (paper["bestDay"], paper["openPositions"]) == ({"date": "2025-03-04", "netPnl": "498"}, 1)
    # When they ask for both books
    both = analytics(gateway, account, "summary", includePaper="true")
    # Then both add up: 550 gross, 6 charges, 544 net, three trades, two open positions
    assert totals(both) == ("550", "6", "544", 3) and both["openPositions"] == 2
    # And a symbol filter without an account stays in the real book (INFY: the real 98 only)
    assert totals(analytics(gateway, account, "summary", symbol="INFY")) == ("100", "2", "98", 1)


def test_the_time_series_and_breakdowns_leave_paper_out_by_default(
    gateway: Gateway, mongo_db: Db, redis_client: redis.Redis, read_from: str
) -> None:
    # Given a trader with a real and a paper account
    account = both_books(gateway, mongo_db, redis_client)
    as_read(mongo_db, account, read_from)
    # When they read the daily time series
    days = analytics(gateway, account, "timeseries", interval="day")["items"]
    # Then Tuesday (the paper win's day) is a day of nothing in the real book
    assert [(d["period"], d["netPnl"], d["cumulativePnl"], d["trades"]) for d in days] == [
        ("2025-03-03", "98", "98", 1),
        ("2025-03-04", "0", "98", 0),
        ("2025-03-05", "-52", "46", 1),
    ]
    # And the paper account's series is its one day
    paper = analytics(gateway, account, "timeseries", interval="day", accountId=PAPER)["items"]
    assert [(d["period"], d["netPnl"], d["trades"]) for d in paper] == [("2025-03-04", "498", 1)]
    months = analytics(gateway, account, "timeseries", interval="month", includePaper="true")["items"]
    assert [(m["period"], m["netPnl"], m["trades"]) for m in months] == [("2025-03", "544", 3)]
    # And the by-symbol breakdown holds the real INFY and TCS, the paper INFY only when asked
    symbols = analytics(gateway, account, "by-symbol")["items"]
    assert [(g["key"], g["netPnl"]) for g in symbols] == [("INFY", "98"), ("TCS", "-52")]
    mixed = analytics(gateway, account, "by-symbol", includePaper="true")["items"]
    assert [(g["key"], g["netPnl"]) for g in mixed] == [("INFY", "596"), ("TCS", "-52")]


def test_the_tax_pnl_is_the_real_accounts_and_a_paper_accounts_says_paper(
    gateway: Gateway, mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given a trader with a real and a paper account, all sales in FY 2024-25
    account = both_books(gateway, mongo_db, redis_client)
    # When they read the FY's tax P&L
    real = analytics(gateway, account, "tax-pnl", fy="2024-25")
    # Then its sales are the real ones (INFY +100, TCS −50 gross), and it is not flagged paper
    assert real["paper"] is False
    assert sorted((row["symbol"], row["realizedPnl"]) for row in real["items"]) == [
        ("INFY", "100"),
        ("TCS", "-50"),
    ]
    # When they ask even for both books, the tax P&L stays the real one
    assert analytics(gateway, account, "tax-pnl", fy="2024-25", includePaper="true")["items"] == real["items"]
    # When they name the paper account
    paper = analytics(gateway, account, "tax-pnl", fy="2024-25", accountId=PAPER)
    # Then it is that account's one sale, flagged paper
    assert paper["paper"] is True
    assert [(row["symbol"], row["realizedPnl"], row["charges"]) for row in paper["items"]] == [
        ("INFY", "500", "2")
    ]


def test_positions_portfolio_and_the_trade_list_are_real_by_default(
    gateway: Gateway, mongo_db: Db, redis_client: redis.Redis, read_from: str
) -> None:
    # Given a trader with a real and a paper account, RELIANCE open in the real one, SBIN in the paper
    account = both_books(gateway, mongo_db, redis_client)
    as_read(mongo_db, account, read_from)
    quote(redis_client, "NSE", "RELIANCE", "1100")
    quote(redis_client, "NSE", "SBIN", "520")

    def listed(path: str, **query: str) -> list[tuple[str, str]]:
        reply = get(gateway, account, path, **query)
        assert reply.status == 200, reply.text
        body = reply.body
        items = body["holdings"] if path == "/v1/portfolio" else body["items"]
        return sorted((item["symbol"], item["accountId"]) for item in items)

    # Then positions and portfolio hold RELIANCE alone (2 × (1100 − 1000) unrealized), SBIN only
    # with the paper account
    assert listed("/v1/positions") == [("RELIANCE", "manual")]
    assert listed("/v1/positions", accountId=PAPER) == [("SBIN", PAPER)]
    assert listed("/v1/positions", includePaper="true") == [("RELIANCE", "manual"), ("SBIN", PAPER)]
    folio = get(gateway, account, "/v1/portfolio").body
    assert (folio["totalInvested"], folio["totalValue"], folio["unrealizedPnl"]) == ("2000", "2200", "200")
    assert listed("/v1/portfolio", accountId=PAPER) == [("SBIN", PAPER)]
    # And the trade list is the real account's three trades; the paper account's two by its id
    assert listed("/v1/trades") == [("INFY", "manual"), ("RELIANCE", "manual"), ("TCS", "manual")]
    assert listed("/v1/trades", accountId=PAPER) == [("INFY", PAPER), ("SBIN", PAPER)]
    assert len(listed("/v1/trades", includePaper="true")) == 5
    assert listed("/v1/trades", sort="-netPnl", status="closed") == [("INFY", "manual"), ("TCS", "manual")]


def test_the_daily_summary_counts_real_trades_only(
    gateway: Gateway, mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given a trader with a real and a paper account
    account = both_books(gateway, mongo_db, redis_client)
    # Then the day of the paper win alone has no daily summary, the real Monday its 98
    assert summarize(mongo_db, account.user_id, date(2025, 3, 4)) is None
    monday = summarize(mongo_db, account.user_id, date(2025, 3, 3))
    assert monday is not None and (monday.trade_count, monday.net_pnl) == (1, Decimal("98"))


def test_a_paper_fill_after_a_real_one_leaves_the_real_summary_and_says_paper(
    gateway: Gateway, mongo_db: Db, redis_client: redis.Redis, queue: str
) -> None:
    # Given a trader's real summary (net 46) and a paper account through the paper routes
    account = new_account(gateway)
    two_trades(gateway, account)
    assert totals(analytics(gateway, account, "summary")) == ("50", "4", "46", 2)
    opened = gateway.request(
        "POST", "/v1/paper/accounts", json_body={"name": "Practice", "startingBalance": "100000"},
        token=account.access_token,
    )  # fmt: skip
    assert opened.status == 201, opened.text
    paper_id = opened.body["accountId"]
    sqs = aws_client("sqs")
    sqs.purge_queue(QueueUrl=queue)
    # When they buy 10 INFY at market at 1500 and sell them at 1600
    for side, price in (("BUY", "1500"), ("SELL", "1600")):
        quote(redis_client, "NSE", "INFY", price)
        placed = gateway.request(
            "POST", f"/v1/paper/accounts/{paper_id}/orders",
            json_body={"symbol": "INFY", "exchange": "NSE", "side": side, "type": "MARKET", "quantity": 10},
            token=account.access_token, headers={"Idempotency-Key": uuid.uuid4().hex},
        )  # fmt: skip
        assert placed.status == 201 and placed.body["state"] == "executed", placed.text
    # Then the real summary is what it was
    after = analytics(gateway, account, "summary")
    assert totals(after) == ("50", "4", "46", 2) and after["openPositions"] == 0
    # And the paper account's summary has the round trip: gross 10 × 100, less its charges
    paper = analytics(gateway, account, "summary", accountId=paper_id)
    assert (paper["realizedPnl"], paper["closedTrades"]) == ("1000", 1)
    assert Decimal(paper["netPnl"]) == 1000 - Decimal(paper["charges"]) and Decimal(paper["charges"]) > 0
    # And the fills announced their trades as changed by "paper"
    changes = [body for body in bodies(queue) if body.get("type") == "trades_changed"]
    assert changes and {body["source"] for body in changes} == {"paper"}


def test_the_trade_history_report_is_of_the_real_accounts(
    gateway: Gateway, mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given a trader with a real and a paper account, all trades opened in FY 2024-25
    account = both_books(gateway, mongo_db, redis_client)
    deps = WorkerDeps(db=mongo_db, cache=redis_client, s3=None, bucket="", notify=lambda _: None)
    # When the FY's trade history is rendered as CSV
    doc = {"kind": "trade_history", "userId": account.user_id, "period": "2024-25", "format": "csv"}
    rows = list(csv.DictReader(io.StringIO(render_report(deps, doc).decode())))
    # Then its rows are the real account's three trades
    assert sorted(row["Symbol"] for row in rows) == ["INFY", "RELIANCE", "TCS"]


def test_a_manual_fill_cannot_be_entered_into_a_paper_account(gateway: Gateway, mongo_db: Db) -> None:
    # Given a trader
    account = new_account(gateway)
    # When they enter a fill by hand naming a paper account
    body = {"accountId": PAPER, "symbol": "INFY", "exchange": "NSE", "side": "BUY", "quantity": 1,
            "price": "100", "executedAt": "2025-03-03T09:20:00+05:30"}  # fmt: skip
    reply = gateway.request("POST", "/v1/executions", json_body=body, token=account.access_token)
    # Then it is refused, saying why, and nothing is stored
    assert reply.status == 422, reply.text
    assert reply.body["error"]["details"] == [{"field": "accountId", "issue": "paper_account"}]
    assert mongo_db["executions"].count_documents({"userId": account.user_id}) == 0


GENERIC_CSV = "symbol,exchange,side,quantity,price,executedAt\nINFY,NSE,BUY,1,100,2025-03-03T09:20:00+05:30\n"
HOLDINGS_CSV = "Instrument,Qty.,Avg. cost\nINFY,10,1400\n"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/imports", {"format": "generic", "csv": GENERIC_CSV}),
        ("/v1/imports/uploads", {"format": "generic"}),
        (
            "/v1/opening-lots",
            {"symbol": "INFY", "quantity": 10, "averagePrice": "1400", "acquiredOn": "2024-06-03"},
        ),
        ("/v1/opening-lots/import", {"format": "zerodha_holdings", "file": HOLDINGS_CSV}),
    ],
    ids=["import", "upload", "opening-lot", "holdings-file"],
)
def test_files_and_opening_lots_cannot_go_into_a_paper_account(
    gateway: Gateway, mongo_db: Db, path: str, body: dict[str, Any]
) -> None:
    # Given a trader
    account = new_account(gateway)
    # When they import a file, ask for an upload, add an opening lot or import holdings naming a paper account
    reply = gateway.request("POST", path, json_body={**body, "accountId": PAPER}, token=account.access_token)
    # Then it is refused, saying why, and nothing is stored for them
    assert reply.status == 422, reply.text
    assert reply.body["error"]["details"] == [{"field": "accountId", "issue": "paper_account"}]
    for collection in ("executions", "imports"):
        assert mongo_db[collection].count_documents({"userId": account.user_id}) == 0
