"""`python -m local` as `make dev` runs it: starts, serves /v1/health, stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support.servers import in_ci

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_python_m_local_serves_health_and_exits_0_on_sigterm(tmp_path: Path, store_dir: Path) -> None:
    # Given free ports, no external Mongo/Redis configured, the default store, its data in a
    # directory of the test's own
    port, ws_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("MONGODB_URI", "REDIS_URL", "LOCAL_STORE")}
    env["LOCAL_STORE_DIR"] = str(store_dir)
    # (the simulated broker too: a developer's `make dev` may hold its default 3002)
    env.update(
        PORT=str(port), WS_PORT=str(ws_port), SIMULATED_BROKER_PORT=str(_free_port()), PYTHONUNBUFFERED="1"
    )
    stdout_path, stderr_path = tmp_path / "stdout", tmp_path / "stderr"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "local"], cwd=REPO, env=env, stdout=stdout, stderr=stderr
        )
        try:
            # When it has started, Then /v1/health answers 200
            deadline = time.monotonic() + 60
            status = None
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    status = requests.get(f"http://127.0.0.1:{port}/v1/health", timeout=2).status_code
                except requests.ConnectionError:
                    status = None
                if status == 200:
                    break
                time.sleep(0.2)
            assert status == 200, stderr_path.read_text()
            # When it gets SIGTERM, Then it exits 0
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=20) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    # and it printed the banner with the URLs
    banner = stdout_path.read_text()
    assert "TradeTrack local stack is running" in banner
    assert f"http://127.0.0.1:{port}/v1/openapi.json" in banner
    assert f"ws://127.0.0.1:{ws_port}/" in banner
    assert "embedded" in banner  # Redis
    # and the default store is FerretDB on PostgreSQL where `make servers` installed them (CI does)
    if in_ci():
        assert "FerretDB v1.24.2 on PostgreSQL" in banner, banner


def test_help_documents_the_environment() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "local", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    for name in (
        "PORT",
        "WS_PORT",
        "MONGODB_URI",
        "REDIS_URL",
        "LOCAL_SCHEDULE_SPEEDUP",
        "LOCAL_SQS_POLL_INTERVAL",
    ):
        assert name in result.stdout
