"""The local Management API (local.websocket's dispatch and local.management) in a process of its own,
over connections whose sockets only count the frames they are sent: what a fan-out benchmark measures
is the posting side, through real HTTP on loopback, up to the server having every frame.

GET /_frames?n=N waits until N frames have arrived in all and answers {"count", "at"}: the epoch
time at which the N-th arrived (N a multiple of the `every` the process was started with).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from aiohttp import web

from local import event_loop
from local.connections import Connection
from local.lambda_runtime import FunctionRuntime
from local.websocket import WebSocketServer


class Counter:
    def __init__(self, every: int) -> None:
        self.count = 0
        self.every = every
        self.reached: dict[int, float] = {}
        self.changed = asyncio.Event()

    def frame(self) -> None:
        self.count += 1
        if self.count % self.every == 0:
            self.reached[self.count] = time.time()
            self.changed.set()
            self.changed = asyncio.Event()


class CountingSocket:
    """Stands in for a client's aiohttp WebSocketResponse: a frame sent is a frame counted."""

    closed = False

    def __init__(self, counter: Counter) -> None:
        self.counter = counter

    async def send_str(self, data: str) -> None:
        self.counter.frame()

    async def send_bytes(self, data: bytes) -> None:
        self.counter.frame()


async def _serve(connection_ids: list[str], every: int, ready: Any) -> None:
    counter = Counter(every)
    server = WebSocketServer(FunctionRuntime(()))
    now = int(time.time() * 1000)
    for connection_id in connection_ids:
        socket = cast(web.WebSocketResponse, CountingSocket(counter))
        server.connections.add(Connection(connection_id, socket, now, "127.0.0.1", None, "127.0.0.1"))

    async def frames(request: web.Request) -> web.Response:
        wanted = int(request.query["n"])
        while counter.count < wanted:
            await counter.changed.wait()
        return web.json_response({"count": counter.count, "at": counter.reached.get(wanted)})

    app = web.Application()
    app.router.add_get("/_frames", frames)
    app.router.add_route("*", "/{tail:.*}", server.dispatch)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    ready.send(runner.addresses[0][1])
    await asyncio.Event().wait()


def _main(connection_ids: list[str], every: int, ready: Any) -> None:
    event_loop.run(_serve(connection_ids, every, ready))


class ManagementSink:
    def __init__(self, endpoint: str, pid: int) -> None:
        self.endpoint = endpoint
        self.pid = pid

    def cpu_s(self) -> float:
        """CPU seconds the Management API process has used (Linux /proc)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def frames(self, n: int, timeout_s: float = 120.0) -> tuple[int, float]:
        """(frames so far, epoch time of the n-th) once n frames have arrived."""
        url = f"{self.endpoint}/_frames?n={n}"  # http://127.0.0.1:port, ours
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310
            body = json.loads(response.read())
        return int(body["count"]), float(body["at"])


@contextmanager
def management_sink(connection_ids: list[str], *, every: int) -> Iterator[ManagementSink]:
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_main, args=(connection_ids, every, send), daemon=True)
    process.start()
    try:
        if not receive.poll(60):
            raise RuntimeError("the management API process did not start")
        yield ManagementSink(f"http://127.0.0.1:{receive.recv()}", process.pid or 0)
    finally:
        process.terminate()
        process.join(10)
