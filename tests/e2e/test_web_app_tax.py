"""The web app's Imports (background upload), Positions (live prices) and Tax P&L / Data quality
pages in a real browser (Debian's chromium driven by playwright-core from web/e2e/portfolio_tax.mjs)
against the local stack serving web/dist, with the market feed ticking every second: upload a
Zerodha tradebook by the file input through the presigned upload flow and see its progress reach
done; see positions marked at live prices from the WebSocket, equal to the API's marks; open the
tax P&L of FY 2024-25 and find the API's heads; resolve a sell without a buy with the Data quality
page's opening-lot form, an orphaned note by attaching it to a trade and an expired option with its
settlement-price form. Screenshots land in
build/web-screenshots/."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.e2e.test_web_app import CHROMIUM, SHOTS, TRADEBOOK, WEB
from tests.e2e.test_web_app_pages import App, app, market_ticking

pytestmark = pytest.mark.e2e

JOURNEY = WEB / "e2e" / "portfolio_tax.mjs"
__all__ = ["app", "market_ticking"]  # the stack and the ticking feed, shared with the account pages' test


def test_upload_live_positions_and_tax_pnl(app: App, market_ticking: None) -> None:
    # Given the local stack serving the built app, the market feed ticking every second
    SHOTS.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "BASE_URL": app.url, "CSV": str(TRADEBOOK), "SHOTS": str(SHOTS)}
    env["CHROMIUM"] = CHROMIUM
    # When a trader uploads a tradebook, opens positions, the tax P&L and the data-quality page
    result = subprocess.run(
        ["node", str(JOURNEY)], cwd=WEB, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    # Then the journey passes its checks (each page against the API's own answers)
    assert result.returncode == 0, f"journey failed:\n{result.stdout}\n{result.stderr}"
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["ok"] is True
    # the upload went through the presigned PUT (no bearer token to S3) and its progress reached
    # done with the API's figures: the fixture's six fills, none rejected
    upload = seen["upload"]
    assert upload["state"] == "succeeded" and upload["phase"].startswith("Done")
    assert upload["putAuthorization"] is None
    assert (upload["rowsDone"], upload["imported"], upload["rejected"]) == (6, 6, 0)
    assert upload["api"] == {"rowsDone": 6, "imported": 6}
    # positions are marked at live prices: the page's P&L equals the API's at the same price, and
    # later ticks keep it live (a few seconds old) without a reload
    positions = seen["positions"]
    assert positions["rows"] == 2  # TATAMOTORS and the GOLDM future stay open
    assert positions["matched"]["shownPnl"] is not None
    assert positions["ticks"] >= 3  # quote frames after the snapshot
    assert positions["age"].startswith("live")
    # a dropped connection: the live client reconnected and the page subscribed again on it
    assert seen["reconnect"]["connections"] >= 2
    assert seen["reconnect"]["subscribes"] >= 2
    # the tax P&L of FY 2024-25: the INFY intraday round trip is speculative, the NIFTY option F&O
    tax = seen["tax"]
    assert tax["fy"] == "2024-25" and tax["sales"] >= 2
    assert tax["url"] == f"{app.url}/tax?fy=2024-25"  # the year is in the address (links, back)
    assert tax["speculative"] != "0" and tax["nonSpeculative"] != "0"
    # the FMV form stored INFY's 31 Jan 2018 price; the LTCG sale is grandfathered: cost =
    # max(900 × 10, min(1100 × 10, 1450 × 10)) = 11,000, so the gain is 14,500 − 11,000
    assert seen["fmv"]["stored"] == [{"isin": "INE009A01021", "price": "1100"}]
    assert seen["fmv"]["needsFmv"] == 0
    assert seen["fmv"]["ltcgGross"] == "3500"
    assert seen["fmv"]["shown"].endswith("₹3,500.00")
    # the form refused a missing price without a request, then the lot resolved the sell
    # a file dropped on the Imports page went by the JSON path: its report links to Data quality
    assert seen["dropped"] == {"imported": 2}
    quality = seen["dataQuality"]
    assert quality["refusedWithoutRequest"] is True
    assert quality["left"] == 0
    assert quality["lot"] == {"quantity": 5, "averagePrice": "450.25", "acquiredOn": "2024-06-02"}
    # the orphaned note was attached to the trade chosen in its form
    assert quality["orphansLeft"] == 0
    assert quality["attached"] == {"notes": "gap-up entry", "tags": ["gap"]}
    # the expired NIFTY 22000 call closed at 15:30 IST of its expiry at the price given in the form
    assert quality["expiredLeft"] == 0
    assert quality["settled"]["status"] == "closed"
    assert quality["settled"]["closedAt"] == "2024-06-13T15:30:00+05:30"
    # a 2,400-row upload's progress reached done with the API's rows done (the phases polled in
    # between depend on timing: printed, not asserted)
    big = seen["bigUpload"]
    assert big["state"] == "succeeded" and big["rowsDone"] == big["apiRowsDone"] == 2400
    assert big["labels"][-1] == "Done: 2400 rows read"
    print("progress seen:", big["labels"])
    # at 360 px the pages scroll no wider than the screen
    assert all(width <= 360 for width in seen["narrowWidths"].values()), seen["narrowWidths"]
    for name in ("tax-360.png", "imports-upload.png", "positions-live.png", "tax.png", "data-quality.png"):
        assert (SHOTS / name).stat().st_size > 0
