"""Invoking manifest functions in-process, roughly as the Lambda runtime would."""

from __future__ import annotations

import asyncio
import importlib
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from functions.manifest import FunctionSpec
from local.events.common import ACCOUNT_ID, REGION

LambdaHandler = Callable[[Any, Any], Any]


class Instances(Protocol):
    """A function's invocations run elsewhere (local.instances.ProcessInstances: worker processes)."""

    count: int

    async def invoke(self, event: dict[str, Any], request_id: str | None = None) -> Any: ...

    def close(self) -> None: ...


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


class FunctionRuntime:
    """Loads each function's `lambda_handler` once (its cold start) and invokes it in a worker thread.

    `overrides` maps a function name to a handler callable used instead of importing `spec.module`
    (tests pass their own functions this way); `instances` maps a function name to where its
    invocations run instead, up to `count` at a time (see `concurrency`).
    """

    def __init__(
        self, functions: Iterable[FunctionSpec], overrides: Mapping[str, LambdaHandler] | None = None
    ):
        self.functions: tuple[FunctionSpec, ...] = tuple(functions)
        self._handlers: dict[str, LambdaHandler] = dict(overrides or {})
        self._lock = threading.Lock()
        self.instances: dict[str, Instances] = {}

    def concurrency(self, spec: FunctionSpec) -> int:
        """How many invocations of `spec` run at once: its instances, else one (this process's GIL)."""
        instances = self.instances.get(spec.name)
        return instances.count if instances is not None else 1

    def _load(self, spec: FunctionSpec) -> LambdaHandler:
        with self._lock:
            if spec.name not in self._handlers:
                module = importlib.import_module(spec.module)
                self._handlers[spec.name] = module.lambda_handler
            return self._handlers[spec.name]

    async def invoke(self, spec: FunctionSpec, event: dict[str, Any], request_id: str | None = None) -> Any:
        """The handler's result; its exception propagates; FunctionTimeout past `spec.timeout_s`."""
        if (instances := self.instances.get(spec.name)) is not None:
            return await instances.invoke(event, request_id)
        handler = await asyncio.to_thread(self._load, spec)  # init phase: not counted in the timeout
        context = make_context(spec, request_id)
        try:
            return await asyncio.wait_for(asyncio.to_thread(handler, event, context), timeout=spec.timeout_s)
        except TimeoutError:
            raise FunctionTimeout(f"{spec.name} timed out after {spec.timeout_s} s") from None
