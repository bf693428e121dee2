"""Running a LocalStack on its own event loop thread, for synchronous callers such as pytest."""

from __future__ import annotations

import asyncio
import sys
import threading
import traceback
from collections.abc import Coroutine
from typing import Any, TypeVar

from local.event_loop import new_event_loop
from local.stack import LocalStack

T = TypeVar("T")
STOP_TIMEOUT_S = 90.0  # a stop waits for running invocations; a loaded machine makes them slow


class BackgroundStack:
    """`with BackgroundStack(LocalStack(port=0, ws_port=0)) as stack:` — started, then stopped on exit."""

    def __init__(self, stack: LocalStack, *, start_timeout_s: float = 30.0) -> None:
        self.stack = stack
        self._timeout = start_timeout_s
        self._loop = new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="local-stack", daemon=True)

    def run(self, coroutine: Coroutine[Any, Any, T], timeout_s: float | None = None) -> T:
        """Run a coroutine on the stack's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout_s or self._timeout)

    def __enter__(self) -> LocalStack:
        self._thread.start()
        try:
            self.run(self.stack.start())
        except BaseException:
            self._shutdown()
            raise
        return self.stack

    def __exit__(self, *_: object) -> None:
        try:
            self.run(self.stack.stop(), timeout_s=STOP_TIMEOUT_S)
        except TimeoutError:
            print(f"the local stack did not stop in {STOP_TIMEOUT_S:.0f} s; its threads:", file=sys.stderr)
            names = {thread.ident: thread.name for thread in threading.enumerate()}
            for ident, frame in sys._current_frames().items():
                stack = "".join(traceback.format_stack(frame))
                print(f"--- {names.get(ident, ident)}\n{stack}", file=sys.stderr)
            self.stack.release()  # the next stack of this process must not inherit this one's env
            raise
        finally:
            self._shutdown()

    def _shutdown(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self._loop.run_until_complete(self._loop.shutdown_default_executor())
            self._loop.close()
