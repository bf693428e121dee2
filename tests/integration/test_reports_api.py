"""POST /v1/reports → the reports queue → the reports function's worker → S3 (moto) → GET
/v1/reports/{id} with a presigned URL, through the gateway over the test store and Redis; the
report_ready notification through the notifier into the inbox."""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
import redis
import requests
from pymongo.database import Database

from local.events.sqs import sqs_record
from local.outbox import sent_email
from tests.integration.test_paper_books import paper_fill
from tests.integration.test_trades_api import execute, get
from tests.support.auth import Account, OwnedRoute, assert_isolated, new_account
from tests.support.gateway import Gateway
from tests.support.lambda_events import lambda_context
from tests.support.notify import notify_ready, run_notifier
from tests.support.query_shapes import Window
from tradetrack.config import reset_settings
from tradetrack.imports.xlsx import read_xlsx_rows
from tradetrack.reports import repository
from tradetrack.reports.service import WorkerDeps, fy_tax_pnl

Db = Database[dict[str, Any]]
BUCKET = "test-reports"
ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "report-artifacts"
__all__ = ["notify_ready"]  # the fixture
REGION = "ap-south-1"


@pytest.fixture
def queues(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """moto's reports bucket, reports queue and notifications queue, named in the environment."""
    s3: Any = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    sqs: Any = boto3.client("sqs", region_name=REGION)
    urls = {name: sqs.create_queue(QueueName=name)["QueueUrl"] for name in ("reports", "notifications")}
    monkeypatch.setenv("REPORTS_BUCKET", BUCKET)
    monkeypatch.setenv("REPORTS_QUEUE_URL", urls["reports"])
    monkeypatch.setenv("NOTIFICATIONS_QUEUE_URL", urls["notifications"])
    reset_settings()
    return urls


def drain(queue_url: str) -> list[dict[str, Any]]:
    sqs: Any = boto3.client("sqs", region_name=REGION)
    got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"])
    messages = got.get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return list(messages)


def report_notices(queue_url: str) -> list[dict[str, Any]]:
    """The report_ready events on the notifications queue (manual fills put live events there too)."""
    return [m for m in drain(queue_url) if '"type":"report_ready"' in m["Body"]]


def run_worker(messages: list[dict[str, Any]]) -> dict[str, Any]:
    from functions.reports.handler import lambda_handler

    event = {"Records": [sqs_record(message, "reports") for message in messages]}
    return dict(lambda_handler(event, lambda_context("reports")))


def request(gateway: Gateway, account: Account, **body: str) -> Any:
    return gateway.request("POST", "/v1/reports", json_body=body, token=account.access_token)


def fy_2024_trades(gateway: Gateway, account: Account) -> None:
    # INFY bought 10 @ 100 on 2 Sep 2024, sold @ 110 on 5 Sep (delivery: STCG, on/after 23 Jul 2024),
    # ₹1 fees each side: gross 100, charges 2, net 98
    execute(gateway, account, "BUY", 10, "100", fees="1", product="CNC", day="2024-09-02")
    execute(gateway, account, "SELL", 10, "110", fees="1", product="CNC", day="2024-09-05")


def test_a_tax_report_is_queued_rendered_downloaded_and_announced(
    notify_ready: Gateway, queues: dict[str, str], mongo_db: Db
) -> None:
    gateway = notify_ready
    # Given a trader with one STCG sale in FY 2024-25
    trader = new_account(gateway)
    fy_2024_trades(gateway, trader)
    # When they ask for the FY's tax P&L as XLSX
    reply = request(gateway, trader, kind="tax_pnl", period="2024-25", format="xlsx")
    # Then it is queued (202) with an id, and one message is on the reports queue
    assert reply.status == 202, reply.text
    report_id = reply.body["reportId"]
    assert (reply.body["status"], reply.body["fileName"]) == ("queued", "tradetrack-tax-pnl-FY2024-25.xlsx")
    assert get(gateway, trader, f"/v1/reports/{report_id}").body["downloadUrl"] is None
    messages = drain(queues["reports"])
    assert len(messages) == 1
    # When the worker consumes it
    assert run_worker(messages) == {"batchItemFailures": []}
    # Then the report is ready with a short-lived presigned URL that downloads the workbook
    status = get(gateway, trader, f"/v1/reports/{report_id}")
    assert status.status == 200 and status.body["status"] == "ready", status.text
    url = status.body["downloadUrl"]
    assert "X-Amz-Expires=300" in url and "X-Amz-Signature=" in url
    download = requests.get(url, timeout=10)
    assert download.status_code == 200
    assert (
        download.headers["Content-Disposition"] == 'attachment; filename="tradetrack-tax-pnl-FY2024-25.xlsx"'
    )
    rows = read_xlsx_rows(download.content)
    assert ["Short-term capital gains (STCG)", "1", "100", "100", "2", "98"] in rows
    assert status.body["size"] == len(download.content)
    # And the object lives under the user's prefix, at a key with 32 random bytes in it
    key = mongo_db[repository.REPORTS].find_one({"_id": report_id})["key"]  # type: ignore[index]
    prefix, user, token, name = key.split("/")
    assert (prefix, user, name) == ("reports", trader.user_id, "tradetrack-tax-pnl-FY2024-25.xlsx")
    assert len(token) >= 43
    # And a report_ready notification lands in the inbox through the notifier
    notices = report_notices(queues["notifications"])
    assert len(notices) == 1
    assert run_notifier({"Records": [sqs_record(m, "notifications") for m in notices]}) == []
    inbox = get(gateway, trader, "/v1/notifications").body["items"]
    assert [(n["type"], n["title"]) for n in inbox] == [("report_ready", "Your report is ready")]
    assert "tradetrack-tax-pnl-FY2024-25.xlsx" in inbox[0]["message"]
    assert any("tradetrack-tax-pnl-FY2024-25.xlsx" in mail for mail in map(str, sent_email()))


def test_the_tax_report_reads_the_trades_that_can_have_a_sale_in_the_fy_and_equals_the_api(
    gateway: Gateway, mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given a trader's delivery trades around FY 2024-25 (1 Apr 2024 - 31 Mar 2025, IST):
    trader = new_account(gateway)
    fills = (
        ("INFY", "BUY", 10, "2023-06-01"), ("INFY", "SELL", 10, "2023-07-03"),  # sold before the FY
        ("TCS", "BUY", 10, "2023-06-01"), ("TCS", "SELL", 5, "2024-05-02"),  # a part sold in the FY,
        ("TCS", "SELL", 5, "2025-05-02"),  # the rest after it: closed after the FY, opened before
        ("HDFC", "BUY", 10, "2024-04-10"), ("HDFC", "SELL", 4, "2024-06-03"),  # open, a part sold
        ("SBIN", "BUY", 10, "2025-03-28"), ("SBIN", "SELL", 10, "2025-03-31"),  # the FY's last day
        ("WIPRO", "BUY", 10, "2025-04-01"), ("WIPRO", "SELL", 10, "2025-04-03"),  # opened after it
    )  # fmt: skip
    for symbol, side, units, day in fills:
        execute(gateway, trader, side, units, "100", symbol=symbol, product="CNC", fees="1", day=day)
    # and a round trip in FY 2024-25 in a paper account, which is no tax figure
    paper_fill(mongo_db, redis_client, trader, "BUY", 10, "100", symbol="ITC", day="2024-08-01")
    paper_fill(mongo_db, redis_client, trader, "SELL", 10, "120", symbol="ITC", day="2024-08-02")
    paper_trade = {"userId": trader.user_id, "symbol": "ITC", "status": "closed"}
    assert mongo_db["trades"].count_documents(paper_trade) == 1
    # When the report worker reads the FY's candidate trades and computes the tax P&L
    start, end = datetime(2024, 3, 31, 18, 30, tzinfo=UTC), datetime(2025, 3, 31, 18, 30, tzinfo=UTC)
    read = repository.trades_with_sales_between(mongo_db, trader.user_id, start, end)
    deps = WorkerDeps(mongo_db, redis_client, None, BUCKET, notify=lambda _: None)
    tax = fy_tax_pnl(deps, trader.user_id, 2024)
    # Then only the real trades that can have a sale in the FY were read: not INFY (closed before),
    # not WIPRO (opened after), not the paper account's ITC
    assert sorted(doc["symbol"] for doc in read) == ["HDFC", "SBIN", "TCS"]
    # And the sales are the FY's three (TCS 5, HDFC 4, SBIN 10), as GET /v1/analytics/tax-pnl has them
    assert [(row.symbol, row.quantity, row.sold_on.isoformat()) for row in tax.items] == [
        ("TCS", 5, "2024-05-02"), ("HDFC", 4, "2024-06-03"), ("SBIN", 10, "2025-03-31"),
    ]  # fmt: skip
    api = get(gateway, trader, "/v1/analytics/tax-pnl", fy="2024-25")
    assert api.status == 200, api.text
    ours = tax.model_dump(mode="json", by_alias=True, exclude={"computed_at", "cached"})
    assert ours == {key: value for key, value in api.body.items() if key not in ("computedAt", "cached")}


def test_a_redelivered_message_renders_nothing_again(gateway: Gateway, queues: dict[str, str]) -> None:
    # Given a report the worker made
    trader = new_account(gateway)
    fy_2024_trades(gateway, trader)
    report_id = request(gateway, trader, kind="trade_history", period="2024-25", format="csv").body[
        "reportId"
    ]
    messages = drain(queues["reports"])
    run_worker(messages)
    first = get(gateway, trader, f"/v1/reports/{report_id}").body
    # When SQS delivers the same message again
    assert run_worker(messages) == {"batchItemFailures": []}
    # Then the report is as it was, and the repeated notification carries the same event id
    again = get(gateway, trader, f"/v1/reports/{report_id}").body
    assert (again["readyAt"], again["size"]) == (first["readyAt"], first["size"])
    notices = report_notices(queues["notifications"])
    assert len(notices) == 2 and notices[0]["Body"] == notices[1]["Body"]
    # And the CSV is the trade history of the FY
    rows = list(csv.reader(io.StringIO(requests.get(again["downloadUrl"], timeout=10).text)))
    assert [row[2] for row in rows] == ["Symbol", "INFY"] and rows[1][15] == "98"


def test_another_user_gets_404_for_a_report(gateway: Gateway, queues: dict[str, str]) -> None:
    owner, intruder = new_account(gateway), new_account(gateway)
    report_id = request(gateway, owner, kind="tax_pnl", period="2024-25", format="pdf").body["reportId"]
    run_worker(drain(queues["reports"]))

    def owner_view() -> Any:
        return get(gateway, owner, f"/v1/reports/{report_id}").body["status"]

    assert_isolated(gateway, owner, intruder, [OwnedRoute("GET", "/v1/reports/{id}")], report_id,
                    owner_view=owner_view)  # fmt: skip
    assert get(gateway, owner, "/v1/reports/rpt_000000000000000000000000").status == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"kind": "trade_history", "period": "2024-25", "format": "pdf"}, 400),  # not a history format
        ({"kind": "tax_pnl", "period": "2024-25", "format": "csv"}, 400),
        ({"kind": "tax_pnl", "period": "FY24", "format": "pdf"}, 400),
        ({"kind": "statement", "period": "2024-25", "format": "pdf"}, 400),
        ({"kind": "tax_pnl", "period": "2024-25", "format": "pdf", "extra": 1}, 400),
        ({"kind": "tax_pnl", "period": "2024-26", "format": "pdf"}, 422),  # well-formed, no such FY
    ],
)
def test_bad_requests_are_refused_and_queue_nothing(
    gateway: Gateway, queues: dict[str, str], body: dict[str, Any], status: int
) -> None:
    trader = new_account(gateway)
    reply = gateway.request("POST", "/v1/reports", json_body=body, token=trader.access_token)
    assert reply.status == status, reply.text
    assert reply.error_code() == ("VALIDATION_ERROR" if status == 400 else "UNPROCESSABLE")
    assert drain(queues["reports"]) == []


def test_a_malformed_report_id_is_400_and_anonymous_is_401(gateway: Gateway) -> None:
    trader = new_account(gateway)
    assert get(gateway, trader, "/v1/reports/..%2Fother").status in {400, 404}
    assert gateway.request("GET", "/v1/reports/rpt_000000000000000000000000").status == 401


def test_a_monthly_statement_shows_the_months_figures(gateway: Gateway, queues: dict[str, str]) -> None:
    # Given three intraday round trips in June 2025, ₹1 fees a side (net = gross - 2):
    # 2 Jun INFY 10 @ 100 → 110 (+98), 4 Jun TCS 5 @ 200 → 190 (-52), 10 Jun SBIN 20 @ 500 → 510 (+198)
    trader = new_account(gateway)
    for symbol, units, buy, sell, day in (("INFY", 10, "100", "110", "2025-06-02"),
                                          ("TCS", 5, "200", "190", "2025-06-04"),
                                          ("SBIN", 20, "500", "510", "2025-06-10")):  # fmt: skip
        execute(gateway, trader, "BUY", units, buy, symbol=symbol, fees="1", at="09:20", day=day)
        execute(gateway, trader, "SELL", units, sell, symbol=symbol, fees="1", at="10:20", day=day)
    # When the month's statement is asked for and made
    reply = request(gateway, trader, kind="monthly_statement", period="2025-06", format="pdf")
    assert reply.status == 202 and reply.body["fileName"] == "tradetrack-monthly-statement-2025-06.pdf"
    run_worker(drain(queues["reports"]))
    ready = get(gateway, trader, f"/v1/reports/{reply.body['reportId']}").body
    data = requests.get(ready["downloadUrl"], timeout=10).content
    # Then its text has the hand-computed metrics: net 244, realized 250, charges 6, 3 trades, win rate
    # 2 of 3, profit factor (98 + 198) / 52 = 5.69, expectancy 244 / 3 = 81.33, largest win 198 and
    # loss -52, max drawdown 52 (98 after 2 Jun, 46 after 4 Jun), best day 10 Jun, worst 4 Jun
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    lines = [" ".join(line.split()) for line in text.stdout.decode().splitlines() if line.strip()]
    assert "244.00 250.00 6.00 3" in lines
    assert "66.7% 5.69 81.33 2 of 3" in lines
    assert "198.00 -52.00 52.00 06-10 and 06-04" in lines
    # And the top and worst trades
    assert "SBIN LONG 2025-06-10 09:20 2025-06-10 10:20 20 198.00" in lines
    assert "TCS LONG 2025-06-04 09:20 2025-06-04 10:20 5 -52.00" in lines
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / "monthly-statement-2025-06.pdf"
    pdf.write_bytes(data)
    page = ["-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile"]
    subprocess.run(["pdftoppm", *page, str(pdf), str(pdf.with_suffix(""))], check=True)


def test_a_traders_reports_are_listed_newest_first_in_keyset_pages(
    gateway: Gateway, queues: dict[str, str], mongo_commands: Window
) -> None:
    # Given a trader who asked for three reports (one of them rendered) and another trader with one
    trader, other = new_account(gateway), new_account(gateway)
    asked = [
        request(gateway, trader, kind="tax_pnl", period="2024-25", format="pdf").body["reportId"],
        request(gateway, trader, kind="trade_history", period="2024-25", format="csv").body["reportId"],
        request(gateway, trader, kind="tax_pnl", period="2023-24", format="xlsx").body["reportId"],
    ]
    request(gateway, other, kind="tax_pnl", period="2024-25", format="pdf")
    run_worker(drain(queues["reports"])[:1])
    # When they list their reports two at a time
    mongo_commands.commands.clear()
    first = get(gateway, trader, "/v1/reports", limit="2")
    assert first.status == 200, first.text
    reads, returned = mongo_commands.reads("reports"), mongo_commands.documents("reports")
    second = get(gateway, trader, "/v1/reports", limit="2", cursor=first.body["nextCursor"])
    # Then they see their own three, newest first, with status and no download URL in the list,
    # each page one query of at most limit + 1 documents
    items = first.body["items"] + second.body["items"]
    assert [r["reportId"] for r in items] == asked[::-1]
    assert second.body["nextCursor"] is None
    assert {r["status"] for r in items} <= {"queued", "ready", "running"}
    assert all(r["downloadUrl"] is None for r in items)
    assert len(reads) == 1 and returned <= 3
    # And a bad limit is 400, anonymous is 401
    assert get(gateway, trader, "/v1/reports", limit="0").status == 400
    assert gateway.request("GET", "/v1/reports").status == 401
