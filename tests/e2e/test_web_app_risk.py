"""The web app's Risk page and live paper updates in a real browser (Debian's chromium driven by
playwright-core from web/e2e/paper_risk.mjs) against the local stack serving web/dist, the market
feed fired every second: set limits on the Risk page (a zero refused by the form first) and a paper
account's own; see the monitor's violations arrive as a toast and list them page by page; a paper
market buy over the max order value is rejected and the toast gives the API's reason; a limit buy
placed from outside the page reaches its balance cards and orders by the WebSocket's paper frames
alone (every read of the account held back). Screenshots land in build/web-screenshots/."""

from __future__ import annotations

import pytest

from tests.e2e.journeys import run_journey
from tests.e2e.test_web_app import SHOTS, WEB
from tests.e2e.test_web_app_pages import App, app, market_ticking

pytestmark = pytest.mark.e2e

JOURNEY = WEB / "e2e" / "paper_risk.mjs"
__all__ = ["app", "market_ticking"]  # the stack serving the built app and its feed, shared fixtures


def test_risk_limits_reject_a_paper_order_and_frames_move_the_page(app: App, market_ticking: None) -> None:
    # Given the local stack serving the built app, the market feed ticking
    # When a trader sets risk limits and paper-trades in chromium
    seen = run_journey(JOURNEY, app.url)
    # Then the journey passes its checks (each page against the API's own answers)
    assert seen["ok"] is True
    # a zero limit was refused by the form without a request; the limits saved are the API's
    assert seen["refusedZero"] is True
    assert seen["userLimits"] == {
        "maxOrderValue": "1000",
        "maxPositionValue": "100",
        "maxOpenPositions": 1,
        "shown": "1000",
    }
    # the paper account's own limit overrides one field; the user's order value still applies to it
    assert seen["accountLimits"] == {
        "own": 100,
        "ownOrderValue": None,
        "effectiveOrderValue": "1000",
        "effectiveShown": "₹1,000.00",
    }
    assert seen["puts"] == ["/v1/risk/limits", f"/v1/risk/accounts/{seen['accountChosen']}/limits"]
    # the monitor's violations: a toast from the WebSocket, then listed as the API lists them, the
    # second page fetched by the first page's cursor
    assert seen["riskToast"].startswith("Risk limit breached")
    # the toast names the rule and the paper account, from the frame's own fields
    assert seen["riskToast"].startswith(
        ("Risk limit breached: Max position value", "Risk limit breached: Max open positions")
    )
    assert "Paper: Risky: " in seen["riskToast"]
    violations = seen["violations"]
    assert violations["shown"] == violations["api"]
    assert sorted(rule for _, rule in violations["api"]) == ["max_open_positions", "max_position_value"]
    assert sorted(violations["labels"]) == ["Max open positions", "Max position value"]
    assert violations["cursors"] >= 1
    # the violations the frames named while the page was open are marked new in the list
    assert violations["marked"] and set(violations["marked"]) <= {vid for vid, _ in violations["api"]}
    assert seen["narrowWidth"] <= 360  # the Risk page at 360 px scrolls no wider than the screen
    # the rejected market buy: its toast and its row give the API's reason (the max order value rule)
    rejection = seen["rejection"]
    assert rejection["reason"].startswith("risk: max_order_value: ")
    assert rejection["reason"] in rejection["toast"]
    assert rejection["orderReads"] == 0  # worded from the paper_order frame: the order is not read
    assert rejection["reason"] in rejection["row"]
    assert rejection["status"].endswith(f"rejected ({rejection['reason']}).")  # the form's own status
    # the order placed from outside reached the page by its frames alone, the account's reads held back
    frames = seen["frames"]
    assert frames["heldShown"].startswith("₹") and frames["held"] not in {"0", "0.00", "0.0000"}
    assert frames["orderShown"] == "pending"
    print("account reads held back while the frames arrived:", frames["accountReadsHeldBack"])
    for name in ("risk.png", "risk-360.png", "paper-risk.png"):
        assert (SHOTS / name).stat().st_size > 0
