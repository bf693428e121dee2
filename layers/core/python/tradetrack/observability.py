"""The only Logger, Tracer and Metrics objects; every module imports them from here.

Service name and metrics namespace come from POWERTOOLS_SERVICE_NAME and
POWERTOOLS_METRICS_NAMESPACE (set per function by CDK). The Tracer is built on first use: a
handler traced with `traced_handler` (or `@tracer.capture_lambda_handler`) builds it on its first
invocation, not at cold start, and a function deployed with POWERTOOLS_TRACE_DISABLED=true
(health) never imports the X-Ray SDK.
Where tracing is on (in Lambda), the libraries Powertools' patch_all would instrument, which this
code uses (botocore: AWS calls; pymongo: Mongo commands), are patched as each is first imported,
not all at cold start: patching botocore imports botocore.client (~120 ms), which a function that
makes no AWS call (most REST functions) then never loads. (AWS clients are made with boto3, whose
first import is the cue for botocore.)
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from functools import cache, partial, wraps
from types import ModuleType
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from tradetrack.coldstart import resume_collector

__all__ = [
    "MetricUnit",
    "get_tracer",
    "logger",
    "metrics",
    "own_log_keys",
    "traced_handler",
    "tracing_enabled",
]

_SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "tradetrack")


class _Logger(Logger):
    """Powertools' Logger. Building a Lambda entry point with it (`inject_lambda_context`, bare or
    with arguments: the last step of every handler module's import) ends the cold start's pause of
    the garbage collector (tradetrack.coldstart)."""

    def inject_lambda_context(self, *args: Any, **kwargs: Any) -> Any:
        resume_collector()
        return super().inject_lambda_context(*args, **kwargs)


class _Metrics(Metrics):
    """Powertools' Metrics, whose add_metric (read the metric's values, append, store them back,
    publish at 100) loses a value or publishes a set another thread is changing when threads add at
    once: here one thread at a time (the sync worker's records run concurrently, tradetrack.batches)."""

    _lock = threading.Lock()

    def add_metric(self, *args: Any, **kwargs: Any) -> None:
        with self._lock:
            super().add_metric(*args, **kwargs)


logger: Logger = _Logger(service=_SERVICE)
metrics: Metrics = _Metrics(
    namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "TradeTrack"), service=_SERVICE
)


R = TypeVar("R")
H = TypeVar("H", bound=Callable[..., Any])


def log_record_failures(record_handler: Callable[[Any], R]) -> Callable[[Any], R]:
    """For a BatchProcessor record handler: a failing record (which SQS will redeliver, then move
    to the DLQ) is logged with its message id and traceback, not only counted in the response."""

    @wraps(record_handler)
    def handle(record: Any) -> R:
        try:
            return record_handler(record)
        except Exception:
            logger.exception("record failed", extra={"messageId": getattr(record, "message_id", None)})
            raise

    return handle


def own_log_keys(record_handler: Callable[[Any], R]) -> Callable[[Any], R]:
    """For a record handler run on a pool's threads: the keys it appends with
    `logger.thread_safe_append_keys` (Powertools' thread-local keys, on this thread's log lines
    only; `append_keys` would put one record's account on every thread's lines) are cleared when it
    returns or raises, so the thread's next record starts without them. Wrap it around
    log_record_failures for the failure's line to carry them."""

    @wraps(record_handler)
    def handle(record: Any) -> R:
        logger.thread_safe_clear_keys()
        try:
            return record_handler(record)
        finally:
            logger.thread_safe_clear_keys()

    return handle


def tracing_enabled() -> bool:
    return os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() not in {"1", "true"}


# X-Ray SDK patch name -> the module whose first import triggers it. Every AWS client here is made
# with boto3, so its import is the trigger: botocore alone (botocore.exceptions, for error types)
# loads no client machinery, and a hook on botocore.client would run before botocore binds it.
TRACED_MODULES = {"botocore": "boto3", "pymongo": "pymongo"}


@cache
def get_tracer() -> Tracer:
    tracer = Tracer(service=_SERVICE, auto_patch=False)
    if not tracer.disabled:
        # wrapt ships with the X-Ray SDK; a hook runs at once if its module is already imported.
        from wrapt import register_post_import_hook

        for patch, trigger in TRACED_MODULES.items():
            register_post_import_hook(_patcher(tracer, patch), trigger)
    return tracer


def _patcher(tracer: Tracer, module: str) -> Callable[[ModuleType], None]:
    def patch(_imported: ModuleType) -> None:
        tracer.patch([module])

    return patch


def traced_handler(
    handler: H, *, capture_response: bool | None = None, capture_error: bool | None = None
) -> H:
    """`handler` under Tracer.capture_lambda_handler, the Tracer built on the first invocation (its
    X-Ray SDK import is then no part of cold start); `handler` itself when tracing is off."""
    if not tracing_enabled():
        return handler
    traced: Callable[..., Any] | None = None

    @wraps(handler)
    def run(event: Any, context: Any) -> Any:
        nonlocal traced
        if traced is None:
            traced = get_tracer().capture_lambda_handler(
                handler, capture_response=capture_response, capture_error=capture_error
            )
        return traced(event, context)

    return cast(H, run)


class _DeferredTracer:
    """What `from tradetrack.observability import tracer` gives: `@tracer.capture_lambda_handler`
    (bare or with arguments) is `traced_handler`; anything else is the Tracer's, built then."""

    def capture_lambda_handler(
        self,
        lambda_handler: Callable[..., Any] | None = None,
        capture_response: bool | None = None,
        capture_error: bool | None = None,
    ) -> Any:
        if lambda_handler is None:
            return partial(traced_handler, capture_response=capture_response, capture_error=capture_error)
        return traced_handler(lambda_handler, capture_response=capture_response, capture_error=capture_error)

    def __getattr__(self, name: str) -> Any:
        return getattr(get_tracer(), name)


_deferred_tracer = _DeferredTracer()


def __getattr__(name: str) -> Any:
    if name == "tracer":
        return _deferred_tracer
    raise AttributeError(name)
