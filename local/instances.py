"""Lambda instances of a function as worker processes, for functions that scale out in AWS.

In-process invocations share one GIL: shards of a market-feed tick fanned out to them would post one
after another. Here each instance is a process that imports the handler once (its cold start), keeps
its clients (and their kept-alive connections) across invocations, and runs on its own CPU, as a
Lambda instance does. An instance reaches Redis and Mongo by URL, so the stores must be real servers.
"""

from __future__ import annotations

import asyncio
import importlib
import multiprocessing
import os
import resource
import time
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import redis

from functions.manifest import FunctionSpec
from local.lambda_runtime import FunctionTimeout, LambdaHandler, make_context
from tradetrack.websocket.fanout import Shard

_handler: LambdaHandler | None = None


def _start(env: Mapping[str, str], module: str) -> None:
    global _handler  # noqa: PLW0603 - the instance's handler, loaded once
    os.environ.clear()
    os.environ.update(env)
    _handler = importlib.import_module(module).lambda_handler


def _invoke(spec: FunctionSpec, event: dict[str, Any], request_id: str | None) -> Any:
    if _handler is None:
        raise RuntimeError("the instance has no handler")
    return _handler(event, make_context(spec, request_id))


def _invoke_measured(spec: FunctionSpec, event: dict[str, Any], request_id: str | None) -> tuple[Any, float]:
    """The result and the CPU seconds (every thread of the instance) the invocation took."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    result = _invoke(spec, event, request_id)
    after = resource.getrusage(resource.RUSAGE_SELF)
    return result, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _ready(delay_s: float) -> int:
    time.sleep(delay_s)  # holds this instance so that the next warm-up call starts another
    return os.getpid()


def redis_url_of(client: redis.Redis) -> str | None:
    """The URL of a real Redis server behind `client`; None for the embedded fakeredis."""
    if type(client).__module__.split(".")[0] == "fakeredis":
        return None
    kwargs = client.connection_pool.connection_kwargs
    if "host" not in kwargs:
        return None
    auth = f":{kwargs['password']}@" if kwargs.get("password") else ""
    return f"redis://{auth}{kwargs['host']}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"


class ProcessInstances:
    """Up to `count` concurrent invocations of `spec`, each in one of `count` worker processes.

    The processes start (spawned with `env` as their whole environment) on the first invocation or
    on `warm()`; `close()` stops them.
    """

    def __init__(self, spec: FunctionSpec, count: int, env: Mapping[str, str]) -> None:
        self.spec = spec
        self.count = count
        self._env = dict(env)
        self._pool: ProcessPoolExecutor | None = None
        self.invocations = 0

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.count,
                mp_context=multiprocessing.get_context("spawn"),  # no fork of a threaded server
                initializer=_start,
                initargs=(self._env, self.spec.module),
            )
        return self._pool

    def warm(self) -> None:
        """Start every instance (their cold starts) before the first real invocation."""
        pool = self._executor()
        for delay in (0.5, 1.0, 2.0):
            if (
                len({f.result() for f in [pool.submit(_ready, delay) for _ in range(self.count)]})
                == self.count
            ):
                return

    def submit(self, event: dict[str, Any], request_id: str | None = None) -> Future[Any]:
        """Start an invocation on a free instance (or queue it for the next one)."""
        self.invocations += 1
        return self._executor().submit(_invoke, self.spec, event, request_id)

    def submit_measured(self, event: dict[str, Any]) -> Future[tuple[Any, float]]:
        """`submit`, the future's result being (the result, the CPU seconds the invocation took)."""
        self.invocations += 1
        return self._executor().submit(_invoke_measured, self.spec, event, None)

    async def invoke(self, event: dict[str, Any], request_id: str | None = None) -> Any:
        future = asyncio.wrap_future(self.submit(event, request_id))
        try:
            return await asyncio.wait_for(future, timeout=self.spec.timeout_s)
        except TimeoutError:
            raise FunctionTimeout(f"{self.spec.name} timed out after {self.spec.timeout_s} s") from None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DirectShards:
    """Hands a tick's shards straight to fan-out instances, one invocation (an SQS-shaped event of one
    record, as the ws-fanout queue's event source delivers it) per shard: Lambda's async invoke,
    without the queue's polling delay. `wait()` returns the invocations' results and sets `cpu_s`,
    the CPU seconds each took."""

    def __init__(self, instances: ProcessInstances, queue: str = "ws-fanout") -> None:
        self.instances = instances
        self.queue = queue
        self._futures: list[Future[tuple[Any, float]]] = []
        self.cpu_s: list[float] = []

    def send(self, shards: Sequence[Shard]) -> list[Shard]:
        from local.events.sqs import sqs_event

        for shard in shards:
            message = {
                "MessageId": str(uuid.uuid4()),
                "ReceiptHandle": uuid.uuid4().hex,
                "Body": shard.to_body(),
                "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(int(time.time() * 1000))},
            }
            self._futures.append(self.instances.submit_measured(sqs_event([message], self.queue)))
        return []

    def wait(self, timeout_s: float = 60.0) -> list[Any]:
        futures, self._futures = self._futures, []
        done = [future.result(timeout=timeout_s) for future in futures]
        self.cpu_s = [cpu for _, cpu in done]
        return [result for result, _ in done]
