"""The trader's web app in a real browser (Debian's chromium, driven by playwright-core from
web/e2e/journey.mjs) against the local stack serving web/dist on its REST port: register, import a
tradebook through the UI, see the dashboard figures equal the API's and the trades table list the
API's trades, filtered and page by page (keyset cursor), and log in again over the page when the
session is ended elsewhere. Screenshots land in build/web-screenshots/."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.background import BackgroundStack
from local.stack import LocalStack
from local.web import DIST

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
JOURNEY = WEB / "e2e" / "journey.mjs"
TRADEBOOK = ROOT / "tests" / "fixtures" / "imports" / "zerodha_tradebook.csv"
SHOTS = ROOT / "build" / "web-screenshots"
INITIAL_JS_BUDGET = 250 * 1024  # issue #16: initial JavaScript at most 250 KB gzipped
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def missing_prerequisite() -> str | None:
    """Why the browser test cannot run here, or None."""
    if not Path(CHROMIUM).is_file():
        return f"no chromium at {CHROMIUM}: `make servers` installs Debian's"
    if shutil.which("node") is None:
        return "no node on PATH"
    if not (WEB / "node_modules" / "playwright-core").is_dir():
        return "web/node_modules has no playwright-core: `make web` runs npm ci"
    if not (DIST / "index.html").is_file():
        return "web/dist is not built: `make web`"
    return None


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    reason = missing_prerequisite()
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"the web app's browser test cannot run in CI: {reason}")
        pytest.skip(reason)
    stack = LocalStack(port=0, ws_port=0, schedules_enabled=False)
    with BackgroundStack(stack) as running:
        yield running.rest_url


def test_register_import_and_see_the_dashboard_and_trades(app_url: str) -> None:
    # Given the local stack serving the built app on the API's own origin
    SHOTS.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "BASE_URL": app_url,
        "CSV": str(TRADEBOOK),
        "SHOTS": str(SHOTS),
        "CHROMIUM": CHROMIUM,
    }
    # When a trader registers, imports a tradebook and opens the dashboard and trades in chromium
    result = subprocess.run(
        ["node", str(JOURNEY)], cwd=WEB, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    # Then the journey passes its checks (figures equal the API's) and says what it saw
    assert result.returncode == 0, f"journey failed:\n{result.stdout}\n{result.stderr}"
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["ok"] is True
    assert seen["imported"] == 6  # the fixture's six fills, none rejected
    assert seen["trades"] == {"all": 4, "closed": 2}
    assert seen["netPnl"].endswith("₹738.84")
    assert seen["dayNetPnl"] != seen["dashboard"]["netPnl"]  # the one-day range is not all time
    # 4 trades + 30 day-trades imported later: 25 on page 1, 9 on page 2 through the API's cursor
    assert seen["paging"] == {"first": 25, "second": 9}
    assert seen["sortedByPnl"] == 25  # the Net P&L header's order: the API's ?sort=-netPnl page
    # a session ended elsewhere is logged in again over the page, which keeps its filters
    assert seen["reloginKeptPage"] is True
    assert seen["positions"] == 2  # the fixture's two open positions (TATAMOTORS, GOLDM future)
    assert seen["analytics"] == 2  # the two symbols with sales, each row equal to the API's
    # the heatmap has a cell, labelled with the API's figure, for each day of the daily series
    assert seen["heatmap"]["days"] > 0
    assert seen["heatmap"]["cells"] == seen["heatmap"]["days"]
    # a trade annotated on its detail page keeps its note and tags through a reload (and the API has them)
    assert seen["annotated"]["tags"] == ["breakout", "patience"]
    # a failed save shows the API's message and puts the trade back; a category override saves and resets
    assert seen["categoryOverride"] is True
    shots = (
        "imports.png",
        "dashboard.png",
        "analytics.png",
        "trades.png",
        "trade-detail.png",
        "trade-detail-360.png",
        "dashboard-360.png",
        "session-expired.png",
    )
    for name in shots:
        assert (SHOTS / name).stat().st_size > 0


def test_initial_javascript_fits_the_budget() -> None:
    # Given the built app (what the browser loads before anything else: index.html's module script
    # and the modules it preloads; the chart's chunk comes later, with the chart)
    index = DIST / "index.html"
    if not index.is_file():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("web/dist is not built: `make web`")
        pytest.skip("web/dist is not built: `make web`")
    html = index.read_text()
    initial = re.findall(r'<script type="module"[^>]*src="/([^"]+)"', html)
    initial += re.findall(r'<link rel="modulepreload"[^>]*href="/([^"]+)"', html)
    # When each is gzipped as a server would
    sizes = {name: len(gzip.compress((DIST / name).read_bytes(), compresslevel=9)) for name in initial}
    total = sum(sizes.values())
    print(f"initial JavaScript: {total / 1024:.1f} KB gzipped (goal <= 250 KB): {sizes}")
    # Then it fits the budget
    assert initial, "index.html loads no module script"
    assert total <= INITIAL_JS_BUDGET
