"""The local stack's event loop: uvloop's when it is installed (it is in the `local` extra), else
asyncio's. The local stack stands in for API Gateway's REST, WebSocket and Management APIs; on
uvloop their per-request CPU is about half asyncio's (10,000 Management API posts: 0.6-0.7 s of the
server's CPU against 1.1-1.3 s), CPU that on AWS is API Gateway's, not the functions'."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # a machine without the local extra's wheels: asyncio's loop serves the same
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def run(main: Coroutine[Any, Any, T]) -> T:
    """asyncio.run on the local stack's event loop."""
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(main)
