"""The README's screenshot: the dashboard on the local stack's demo data, in Debian's chromium.

`.venv/bin/python scripts/dashboard_screenshot.py [PNG]` (default docs/img/dashboard.png) starts a
local stack of its own (embedded store, free ports, the demo trader seeded as `make dev` does),
syncs the demo account from the simulated broker once through the API (POST
/v1/broker-accounts/{id}/sync, as the Brokers page's button does; `make dev` waits for its
5-minute schedule), waits until the API's summary counts its trades, then logs in through the UI
with web/e2e/dashboard_timing.mjs (one round) and saves a full-page screenshot at 1280 px.
Needs web/dist (`make web`), node with web/node_modules, and chromium (`make servers`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from local.background import BackgroundStack
from local.stack import LocalStack

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def main(target: Path) -> None:
    stack = LocalStack(port=0, ws_port=0, schedules_enabled=False, demo=True)
    with BackgroundStack(stack) as running:
        demo = running.demo
        if demo is None:
            raise SystemExit("the stack seeded no demo trader")
        credentials = {"email": demo.email, "password": demo.password}
        login = requests.post(f"{running.rest_url}/v1/auth/login", json=credentials, timeout=30)
        login.raise_for_status()
        auth = {"Authorization": f"Bearer {login.json()['accessToken']}"}
        sync = requests.post(
            f"{running.rest_url}/v1/broker-accounts/{demo.account_id}/sync", headers=auth, timeout=60
        )
        sync.raise_for_status()
        closed = 0
        for _ in range(60):
            summary = requests.get(f"{running.rest_url}/v1/analytics/summary", headers=auth, timeout=30)
            closed = int(summary.json().get("closedTrades", 0)) if summary.ok else 0
            if closed:
                break
            time.sleep(1)
        if not closed:
            raise SystemExit("the demo account's sync brought no closed trade within 60 s")
        env = {
            **os.environ,
            "BASE_URL": running.rest_url,
            "EMAIL": demo.email,
            "PASSWORD": demo.password,
            "ROUNDS": "1",
            "SHOT": str(target.resolve()),
            "CHROMIUM": CHROMIUM,
        }
        target.parent.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            ["node", str(WEB / "e2e" / "dashboard_timing.mjs")],
            cwd=WEB,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0:
            raise SystemExit(f"the browser run failed:\n{result.stdout}\n{result.stderr}")
        timing = json.loads(result.stdout.strip().splitlines()[-1])["rounds"][0]
        print(
            f"{target}: {target.stat().st_size / 1024:.0f} KiB, {closed} closed trades, "
            f"usable {timing['usableMs']} ms"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "img" / "dashboard.png")
