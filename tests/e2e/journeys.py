"""Running a browser journey (web/e2e/<name>.mjs, Debian's chromium driven by playwright-core)
against the local stack serving the built app: the journey's last stdout line is its JSON summary."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from tests.e2e.test_web_app import CHROMIUM, SHOTS, WEB


def run_journey(script: Path, base_url: str, *, timeout_s: int = 300) -> dict[str, Any]:
    """Run `script` against `base_url` (screenshots into build/web-screenshots/); its summary, after
    asserting it exited 0 (the failure message carries its output)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "BASE_URL": base_url, "SHOTS": str(SHOTS), "CHROMIUM": CHROMIUM}
    result = subprocess.run(
        ["node", str(script)],
        cwd=WEB,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    assert result.returncode == 0, f"journey failed:\n{result.stdout}\n{result.stderr}"
    summary: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return summary
