"""The local stack started in-process on free ports, one per test module, with test-only functions."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.background import BackgroundStack
from local.stack import LocalStack
from tests.e2e.doubles import TEST_FUNCTIONS, Recorder, make_handlers


class RunningStack:
    def __init__(self, runner: BackgroundStack, sqs_seen: Recorder, ticks: Recorder) -> None:
        self.runner = runner
        self.stack = runner.stack
        self.sqs_seen = sqs_seen
        self.ticks = ticks

    @property
    def rest_url(self) -> str:
        return self.stack.rest_url

    @property
    def ws_url(self) -> str:
        return self.stack.ws_url


@pytest.fixture(scope="module")
def running() -> Iterator[RunningStack]:
    sqs_seen, ticks = Recorder(), Recorder()
    stack = LocalStack(
        port=0,
        ws_port=0,
        functions=TEST_FUNCTIONS,
        handlers=make_handlers(sqs_seen, ticks),
        schedule_speedup=300,  # rate(1 minute) every 0.2 s
        sqs_poll_interval_s=0.1,
    )
    runner = BackgroundStack(stack)
    with runner:
        yield RunningStack(runner, sqs_seen, ticks)


@pytest.fixture
def store_dir() -> Iterator[Path]:
    """A LOCAL_STORE_DIR of the test's own that PostgreSQL can use: as root it runs as the
    `postgres` user, who must enter the directory (pytest's tmp_path is 0700 under a 0700 root)."""
    with tempfile.TemporaryDirectory(prefix="tradetrack-store-") as tmp:
        Path(tmp).chmod(0o711)
        yield Path(tmp)
