"""A BrokerStub served from a process of its own: the broker's CPU off this process's interpreter, as
a remote broker's is (the sync bench: in-process, the stub's replies took the same interpreter lock
as the sync it answered).

    with BrokerStubProcess() as stub:          # routes and answers are set before start
        ...

Routes and answers are as BrokerStub's (tests/support/broker_stub.py); an answer must be a
module-level function (the process is spawned: it is pickled by name). `requests_to` asks the
process for what it recorded.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

from tests.support.broker_stub import BrokerStub, Reply, Request
from tradetrack.brokers.connections import close_idle

START_TIMEOUT_S = 60.0

Routes = dict[tuple[str, str], tuple[Reply | Any, ...]]
Answers = dict[tuple[str, str], Callable[[Request], Reply | Any]]


def _serve(control: Connection, routes: Routes, answers: Answers) -> None:
    stub = BrokerStub()
    for (method, path), replies in routes.items():
        stub.route(method, path, *replies)
    for (method, path), reply_to in answers.items():
        stub.answer(method, path, reply_to)
    with stub:
        control.send(stub.url)
        while True:
            command = control.recv()
            if command[0] == "requests_to":
                control.send(stub.requests_to(command[1], command[2]))
            else:
                return


class BrokerStubProcess:
    def __init__(self) -> None:
        self.url = ""
        self._routes: Routes = {}
        self._answers: Answers = {}
        self._control: Connection | None = None
        self._process: Any = None

    def route(self, method: str, path: str, *replies: Reply | Any) -> None:
        self._routes[(method.upper(), path)] = replies

    def answer(self, method: str, path: str, reply_to: Callable[[Request], Reply | Any]) -> None:
        self._answers[(method.upper(), path)] = reply_to

    def requests_to(self, method: str, path: str) -> list[Request]:
        if self._control is None:
            raise RuntimeError("the stub process is not running")
        self._control.send(("requests_to", method.upper(), path))
        found: list[Request] = self._control.recv()
        return found

    def start(self) -> BrokerStubProcess:
        context = multiprocessing.get_context("spawn")  # not fork: this process runs client threads
        self._control, theirs = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(theirs, self._routes, self._answers), name="broker-stub", daemon=True
        )
        self._process.start()
        if not self._control.poll(START_TIMEOUT_S):
            self.stop()
            raise RuntimeError(f"the broker stub process did not start in {START_TIMEOUT_S:.0f} s")
        self.url = self._control.recv()
        return self

    def stop(self) -> None:
        close_idle()  # this process's kept-alive connections to the stub
        if self._control is not None:
            with contextlib.suppress(OSError):  # the process ended already
                self._control.send(("stop",))
            self._control.close()
            self._control = None
        if self._process is not None:
            self._process.join(timeout=10)
            if self._process.is_alive():
                self._process.kill()
                self._process.join(timeout=5)
            self._process = None

    def __enter__(self) -> BrokerStubProcess:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
