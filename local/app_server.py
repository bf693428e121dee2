"""An aiohttp application served in a running event loop or on a thread of its own (local stand-ins)."""

from __future__ import annotations

import asyncio
import threading
from typing import Self

from aiohttp import web

from local.event_loop import new_event_loop


class AppServer:
    """Serves `app()`: in a running event loop (`await start()` / `async with`) or on a thread of its own
    (`start_in_thread()` / `with`); `url` is where it listens (port 0 picks a free one)."""

    thread_name = "app-server"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self._thread: tuple[asyncio.AbstractEventLoop, threading.Thread] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def app(self) -> web.Application:
        raise NotImplementedError

    async def start(self) -> str:
        runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    def start_in_thread(self) -> str:
        """Serve from an event loop on a thread of its own (synchronous tests); the url."""
        loop = new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name=self.thread_name, daemon=True)
        thread.start()
        self._thread = (loop, thread)
        try:
            asyncio.run_coroutine_threadsafe(self.start(), loop).result(timeout=10)
        except BaseException:
            self.stop_thread()
            raise
        return self.url

    def stop_thread(self) -> None:
        if self._thread is None:
            return
        loop, thread = self._thread
        self._thread = None
        if loop.is_running():
            asyncio.run_coroutine_threadsafe(self.stop(), loop).result(timeout=10)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()

    def __enter__(self) -> Self:
        self.start_in_thread()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop_thread()
