"""The web app's Brokers, Alerts, Notifications and Profile pages in a real browser (Debian's
chromium driven by playwright-core from web/e2e/brokers_alerts.mjs) against the local stack serving
web/dist: connect the simulated broker through its login window and back into the app via APP_URL
(another tab's trades list follows the sync over its WebSocket; a spent login link lands as an
error), sync now and read the sync logs; create alerts (one refused by the form's own check first),
delete one, see the other fire as a toast from the WebSocket; read it in the notifications inbox
and mark it read; save the profile and preferences; change the password and stay logged in;
disconnect the broker after a confirmation; log out everywhere. Screenshots land in
build/web-screenshots/."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from local.background import BackgroundStack
from local.stack import LocalStack
from tests.e2e.market_support import FEED_RULE
from tests.e2e.test_web_app import CHROMIUM, SHOTS, WEB, missing_prerequisite

pytestmark = pytest.mark.e2e

JOURNEY = WEB / "e2e" / "brokers_alerts.mjs"
log = logging.getLogger(__name__)


@dataclass
class App:
    url: str
    runner: BackgroundStack


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def app() -> Iterator[App]:
    reason = missing_prerequisite()
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"the web app's browser test cannot run in CI: {reason}")
        pytest.skip(reason)
    # The REST port is chosen first: APP_URL (where the broker callback sends the browser) names it,
    # as `python -m local` does for :3000. One market tick per firing: the test fires the feed.
    port = free_port()
    saved = {name: os.environ.get(name) for name in ("APP_URL", "FEED_TICKS")}
    os.environ.update({"APP_URL": f"http://127.0.0.1:{port}", "FEED_TICKS": "1"})
    try:
        runner = BackgroundStack(LocalStack(port=port, ws_port=0, schedules_enabled=False))
        with runner as stack:
            yield App(stack.rest_url, runner)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def market_ticking(app: App) -> Iterator[None]:
    """The market feed fired every second, as its schedule would during market hours."""
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(1.0):
            try:
                app.runner.run(app.runner.stack.fire_schedule(FEED_RULE), timeout_s=30)
            except Exception:  # a tick that fails is the next tick's to redo
                log.warning("market feed tick failed", exc_info=True)

    thread = threading.Thread(target=tick, name="feed-ticks", daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=35)


def test_connect_sync_alerts_notifications_and_profile(app: App, market_ticking: None) -> None:
    # Given the local stack serving the built app, the simulated broker offered, the feed ticking
    SHOTS.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "BASE_URL": app.url, "SHOTS": str(SHOTS), "CHROMIUM": CHROMIUM}
    # When a trader connects the broker, syncs, sets alerts and reads notifications in chromium
    result = subprocess.run(
        ["node", str(JOURNEY)], cwd=WEB, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    # Then the journey passes its checks (each page against the API's own answers)
    assert result.returncode == 0, f"journey failed:\n{result.stdout}\n{result.stderr}"
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["ok"] is True
    # the broker's login window came back into the app's /brokers with the account, and closed
    assert seen["landing"].startswith(f"{app.url}/brokers?accountId=")
    assert seen["account"]["status"] == "active"
    # another tab's trades list followed the sync over its WebSocket (the 'trades' frames)
    assert seen["liveTrades"]["api"] > 0
    # a spent login link lands in the app too, with the API's reason shown in the tab that asked
    assert seen["spentLogin"]["landing"] == f"{app.url}/brokers"
    assert "(BAD_REQUEST)" in seen["spentLogin"]["shown"]
    # the connect sync and the "Sync now" one, listed as the API lists them
    assert seen["syncLogs"]["shown"] == seen["syncLogs"]["api"] >= 2
    assert seen["syncLogs"]["reasons"][-1] == "connect"
    # the form refused a bare symbol before any request; one alert left after deleting the other
    assert seen["alerts"]["refusedSymbol"] is True
    assert seen["alerts"]["left"] == ["NSE:WIPRO"]
    # the WebSocket's alert frame became a toast, and the inbox has the notification, then read
    assert seen["toast"].startswith("Price alert: NSE:WIPRO")
    assert seen["narrowWidth"] <= 360  # the Alerts page at 360 px scrolls no wider than the screen
    assert seen["notifications"]["unreadBadge"] == seen["notifications"]["apiUnread"] >= 1
    assert seen["notifications"]["readAfter"] is True
    assert seen["profile"]["capital"] == "500000"
    prefs = seen["profile"]["prefs"]
    assert (prefs["email"], prefs["push"], prefs["types"]["daily_summary"]) == (False, True, False)
    # a password change keeps this tab logged in (with the new password); the old one is refused
    assert seen["passwordChangedStillIn"] is True
    # disconnect only after its confirmation (Escape and Cancel keep the account)
    assert seen["disconnected"] is True
    # log out everywhere ends the other sessions too (the journey's own API token is refused)
    assert seen["loggedOutEverywhere"] is True
    for name in ("brokers.png", "alerts.png", "notifications.png", "profile.png"):
        assert (SHOTS / name).stat().st_size > 0
