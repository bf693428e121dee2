"""Invoking manifest functions in-process, roughly as the Lambda runtime would: each instance of a
function runs one invocation at a time, and a function scales out by adding instances."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

from functions.manifest import FunctionSpec
from local.events.common import ACCOUNT_ID, REGION
from local.logs import isolate_powertools_log_keys

LambdaHandler = Callable[[Any, Any], Any]
# In-process instances a function scales out to (Lambda: up to the account's concurrency, 1,000);
# a function's reserved concurrency, when lower, caps it as in AWS.
DEFAULT_MAX_INSTANCES = 8


class Instances(Protocol):
    """A function's invocations run elsewhere (local.instances.ProcessInstances: worker processes)."""

    count: int

    async def invoke(self, event: dict[str, Any], request_id: str | None = None) -> Any: ...

    def close(self) -> None: ...


# Set while the local stack shuts down: every running invocation's context then reports no time
# left, so a handler that watches its remaining time (the import worker) stops at its next check.
SHUTTING_DOWN = threading.Event()


class FunctionTimeout(Exception):
    """The handler ran past its function's timeout."""


@dataclass
class FakeLambdaContext:
    """The attributes of awslambdaric's LambdaContext that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    deadline_s: float
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    identity: Any = None
    client_context: Any = None

    def get_remaining_time_in_millis(self) -> int:
        if SHUTTING_DOWN.is_set():
            return 0
        return max(0, int((self.deadline_s - time.monotonic()) * 1000))


def make_context(spec: FunctionSpec, request_id: str | None = None) -> FakeLambdaContext:
    name = f"tradetrack-local-{spec.name}"
    return FakeLambdaContext(
        function_name=name,
        memory_limit_in_mb=spec.memory_mb,
        invoked_function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}",
        aws_request_id=request_id or str(uuid.uuid4()),
        deadline_s=time.monotonic() + spec.timeout_s,
        log_group_name=f"/aws/lambda/{name}",
    )


class _PerThread:
    """A data descriptor holding one value per thread (for a class attribute and its instances)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._values = threading.local()

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        try:
            return self._values.value
        except AttributeError:
            raise AttributeError(self.name) from None

    def __set__(self, instance: object, value: Any) -> None:
        self._values.value = value


def isolate_powertools_requests() -> None:
    """Make Powertools' "current request" one per thread, so one per instance (each has its thread).

    Powertools' resolvers keep the event being resolved in class attributes of BaseRouter, shared
    by every resolver of the process (`BaseRouter.current_event = ...` in resolve()): harmless in
    Lambda, whose process runs one invocation at a time, but here instances of different functions
    run at once in one process, and a handler would read another request's caller. Idempotent.
    """
    from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

    if isinstance(BaseRouter.__dict__.get("current_event"), _PerThread):
        return
    descriptors = {name: _PerThread(name) for name in ("current_event", "lambda_context")}
    for name, descriptor in descriptors.items():
        setattr(BaseRouter, name, descriptor)  # instances: `self.current_event`
    # the class itself: `BaseRouter.current_event = event` goes through its metaclass
    BaseRouter.__class__ = type("PerThreadRouterMeta", (type(BaseRouter),), dict(descriptors))  # type: ignore[method-assign]


class FunctionRuntime:
    """Each function's invocations on Lambda-like instances: one invocation per instance at a time.

    An instance is the handler module loaded once (its cold start) with a thread of its own. An
    invocation takes an idle instance of its function, or starts a new one while the function has
    fewer than `max_instances` (its reserved concurrency, when lower), else waits for one: the
    function scales out as Lambda does and no module ever runs two invocations at once (Powertools'
    resolver keeps the current event in the module's `app`). The first instance is the imported
    module `spec.module`; further ones execute its file again as a module of their own.

    `overrides` maps a function name to a handler callable used instead of importing `spec.module`
    (tests pass their own functions this way; every instance calls the same callable); `instances`
    maps a function name to where its invocations run instead, up to `count` at a time (see
    `concurrency`).
    """

    def __init__(
        self,
        functions: Iterable[FunctionSpec],
        overrides: Mapping[str, LambdaHandler] | None = None,
        *,
        max_instances: int = DEFAULT_MAX_INSTANCES,
    ):
        isolate_powertools_requests()
        isolate_powertools_log_keys()
        self.functions: tuple[FunctionSpec, ...] = tuple(functions)
        self._overrides: dict[str, LambdaHandler] = dict(overrides or {})
        self.max_instances = max_instances
        self._pools: dict[str, InstancePool] = {}
        self.instances: dict[str, Instances] = {}

    def concurrency(self, spec: FunctionSpec) -> int:
        """How many queue batches of `spec` to run at once: its worker processes, else one (this
        process's GIL)."""
        instances = self.instances.get(spec.name)
        return instances.count if instances is not None else 1

    def pool(self, spec: FunctionSpec) -> InstancePool:
        """The in-process instances of `spec` (created empty on first use)."""
        if (pool := self._pools.get(spec.name)) is None:
            override = self._overrides.get(spec.name)
            limit = min(self.max_instances, spec.reserved_concurrency or self.max_instances)
            pool = self._pools[spec.name] = InstancePool(spec, max(1, limit), override)
        return pool

    async def invoke(self, spec: FunctionSpec, event: dict[str, Any], request_id: str | None = None) -> Any:
        """The handler's result; its exception propagates; FunctionTimeout past `spec.timeout_s`."""
        if (instances := self.instances.get(spec.name)) is not None:
            return await instances.invoke(event, request_id)
        return await self.pool(spec).invoke(event, request_id)

    def close(self) -> None:
        """Stop the instances' threads (an invocation still running finishes first, in the background)."""
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()


class InstancePool:
    """The in-process instances of one function (see FunctionRuntime)."""

    def __init__(self, spec: FunctionSpec, limit: int, override: LambdaHandler | None = None) -> None:
        self.spec = spec
        self.limit = limit
        self._override = override
        self._idle: list[_Instance] = []
        self._all: list[_Instance] = []
        self._slots = asyncio.Semaphore(limit)
        self._lock = threading.Lock()  # module loads: one at a time
        self._closed = False
        self.cold_starts = 0
        self.retired = 0  # instances dropped after a timeout
        self.busy = 0  # invocations running (a timed-out one until its thread returns)
        self.peak_busy = 0

    @property
    def size(self) -> int:
        """Instances alive (idle or busy)."""
        return len(self._all)

    async def invoke(self, event: dict[str, Any], request_id: str | None) -> Any:
        await self._slots.acquire()
        instance = self._idle.pop() if self._idle else None
        self.busy += 1
        self.peak_busy = max(self.peak_busy, self.busy)
        running: asyncio.Future[Any] | None = None
        try:
            if instance is None:
                instance = _Instance(self.spec, len(self._all) + self.retired + 1)
                self._all.append(instance)
                # init phase: not counted in the timeout
                await asyncio.wrap_future(instance.thread.submit(self._cold_start, instance))
            running = asyncio.wrap_future(
                instance.thread.submit(instance.run, event, make_context(self.spec, request_id))
            )
            try:
                return await asyncio.wait_for(asyncio.shield(running), timeout=self.spec.timeout_s)
            except TimeoutError:
                # Lambda stops a timed-out instance: this one is dropped once its thread returns.
                instance.retired = True
                raise FunctionTimeout(f"{self.spec.name} timed out after {self.spec.timeout_s} s") from None
        finally:
            if running is None or running.done():
                self._release(instance)
            else:  # timed out or cancelled: the instance stays busy until the handler returns
                held = instance
                running.add_done_callback(lambda _: self._release(held))

    def _cold_start(self, instance: _Instance) -> None:
        with self._lock:
            self.cold_starts += 1
            if self._override is not None:
                instance.handler = self._override
            elif instance.number == 1:
                instance.handler = importlib.import_module(self.spec.module).lambda_handler
            else:
                instance.handler = _load_copy(self.spec.module, instance.number).lambda_handler

    def _release(self, instance: _Instance | None) -> None:
        self.busy -= 1
        if instance is not None:
            if self._closed or instance.retired or instance.handler is None:
                instance.thread.shutdown(wait=False)
                if instance in self._all:
                    self._all.remove(instance)
                self.retired += instance.retired
            else:
                self._idle.append(instance)
        self._slots.release()

    def close(self) -> None:
        """Stop the idle instances' threads; a busy one stops when its invocation returns."""
        self._closed = True
        for instance in self._all:
            instance.thread.shutdown(wait=False, cancel_futures=True)
        self._idle.clear()
        self._all.clear()


class _Instance:
    """One Lambda instance in this process: its handler and the thread that runs it."""

    def __init__(self, spec: FunctionSpec, number: int) -> None:
        self.number = number
        self.handler: LambdaHandler | None = None
        self.retired = False
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"lambda-{spec.name}-{number}")

    def run(self, event: dict[str, Any], context: FakeLambdaContext) -> Any:
        if self.handler is None:
            raise RuntimeError("the instance has no handler")
        return self.handler(event, context)


def _load_copy(module_name: str, number: int) -> ModuleType:
    """The handler module executed again as a module of its own (its own resolver, clients, state)."""
    original = importlib.util.find_spec(module_name)
    if original is None or original.origin is None:
        raise ModuleNotFoundError(module_name)
    name = f"{module_name}__instance{number}"
    spec = importlib.util.spec_from_file_location(name, original.origin)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(module_name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # pydantic resolves the module's annotations through sys.modules
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
