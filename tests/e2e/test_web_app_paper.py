"""The web app's Paper trading and Reports pages in a real browser (Debian's chromium driven by
playwright-core from web/e2e/paper_reports.mjs) against the local stack serving web/dist: open a
paper account, place a limit buy that rests (its first answer lost: the retry sends the same
Idempotency-Key and one order exists) and a market buy that fills at the seeded quote, cancel the
resting order, reset the account; ask for the FY 2024-25 tax P&L as PDF (an impossible year refused
by the form first) and follow it to its Download link; reload, log in again, and find it listed from
the API and downloadable. Screenshots land in build/web-screenshots/."""

from __future__ import annotations

import pytest

from tests.e2e.journeys import run_journey
from tests.e2e.test_web_app import SHOTS, WEB
from tests.e2e.test_web_app_pages import App, app

pytestmark = pytest.mark.e2e

JOURNEY = WEB / "e2e" / "paper_reports.mjs"
__all__ = ["app"]  # the stack serving the built app, shared with the account pages' test


def test_paper_orders_and_a_tax_report_download(app: App) -> None:
    # Given the local stack serving the built app (its reports queue consumed by the stack's poller)
    # When a trader paper-trades and asks for a tax P&L PDF in chromium
    seen = run_journey(JOURNEY, app.url)
    # Then the journey passes its checks (each page against the API's own answers)
    assert seen["ok"] is True
    # the account opened with ₹1,00,000 of paper money, its page in the address, said to be paper
    assert seen["url"].startswith(f"{app.url}/paper/")
    assert seen["available"] == "₹1,00,000.00"
    assert seen["notice"] is True
    # the limit buy's first answer was lost: the retry sent the same key, and one order rests
    assert seen["limit"] == {"keys": 2, "sameKey": True, "orders": 1, "state": "pending"}
    assert seen["held"] != "0"
    # the market buy filled at once at the quote: 2 INFY held, a new key for a new order
    assert seen["quote"] is not None
    assert (seen["market"]["productShown"], seen["market"]["quantityShown"]) == ("CNC", "2")
    assert seen["market"]["api"] == {"quantity": 2, "free": 2}
    assert sorted(seen["market"]["orders"]) == [["LIMIT", "pending"], ["MARKET", "executed"]]
    assert seen["market"]["newKey"] is True
    # the account's own journal lists its trade, labelled Paper, as the API does for accountId=pa_…
    journal = seen["journal"]
    assert journal["apiTrades"] == [["INFY", "open", 2]]
    assert journal["rows"] == 1 and journal["shownId"] == journal["apiId"]
    assert journal["label"] == "Paper"
    assert journal["closedShown"].startswith(f"{journal['closedApi']} ")
    assert journal["realTrades"] == 0  # the real journal has no paper trade
    # canceling the resting order released its hold; the page's paper total is the API's
    assert seen["canceled"]["state"] == "canceled"
    assert seen["canceled"]["held"] in {"0", "0.0000", "0.00"}
    assert seen["canceled"]["totalShown"].startswith("₹")
    # reset after its confirmation: holdings emptied, the starting balance back
    assert seen["reset"]["holdings"] == 0
    assert seen["reset"]["available"] in {"100000", "100000.0000", "100000.00"}
    assert seen["narrowWidth"] <= 360  # the account page at 360 px scrolls no wider than the screen
    # reports: 2024-26 refused without a request; the PDF made, its presigned link answers a PDF
    assert seen["refusedPeriod"] is True
    report = seen["report"]
    assert report["status"] == "Ready" and report["apiStatus"] == "ready"
    assert report["posts"] == 1
    assert report["fetched"] == 200 and report["pdf"] == "%PDF-"
    assert "tradetrack-tax-pnl-FY2024-25.pdf" in report["disposition"]
    # after a reload (a new session) the report is listed from GET /v1/reports and still downloads
    assert seen["afterReload"] == {"status": "Ready", "file": "tradetrack-tax-pnl-FY2024-25.pdf"}
    print("first report status shown:", seen["firstStatus"])
    for name in ("paper.png", "paper-360.png", "reports.png"):
        assert (SHOTS / name).stat().st_size > 0
