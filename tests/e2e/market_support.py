"""A local stack for the market tests: the real functions, the feed fired by hand, one tick per firing."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from websockets.sync.client import ClientConnection

from local.background import BackgroundStack
from local.stack import LocalStack
from tests.e2e.accounts import register_and_login

FEED_RULE = "market-feed"


@contextmanager
def market_stack() -> Iterator[BackgroundStack]:
    saved = os.environ.get("FEED_TICKS")
    os.environ["FEED_TICKS"] = "1"  # one tick per firing: the test decides when quotes flow
    try:
        runner = BackgroundStack(LocalStack(port=0, ws_port=0, schedules_enabled=False))
        with runner:
            yield runner
    finally:
        if saved is None:
            os.environ.pop("FEED_TICKS", None)
        else:
            os.environ["FEED_TICKS"] = saved


def login(rest_url: str) -> tuple[str, str]:
    return register_and_login(rest_url, prefix="mkt", name="Mkt")


def receive(ws: ClientConnection, timeout: float = 5) -> dict[str, Any]:
    message = ws.recv(timeout=timeout)
    assert isinstance(message, str)
    data = json.loads(message)
    assert isinstance(data, dict)
    return data


def send(ws: ClientConnection, frame: dict[str, Any]) -> dict[str, Any]:
    ws.send(json.dumps(frame))
    return receive(ws)
