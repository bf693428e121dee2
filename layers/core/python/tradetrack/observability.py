"""The only Logger, Tracer and Metrics objects; every module imports them from here.

Service name and metrics namespace come from POWERTOOLS_SERVICE_NAME and
POWERTOOLS_METRICS_NAMESPACE (set per function by CDK). The Tracer is built on first use:
building it imports the X-Ray SDK, which loads botocore's endpoint data (~190 ms), so a
function deployed with POWERTOOLS_TRACE_DISABLED=true (health) never pays for it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache, wraps
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

__all__ = ["MetricUnit", "get_tracer", "logger", "metrics", "tracing_enabled"]

_SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "tradetrack")

logger = Logger(service=_SERVICE)
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "TradeTrack"), service=_SERVICE)


R = TypeVar("R")


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


def tracing_enabled() -> bool:
    return os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() not in {"1", "true"}


@cache
def get_tracer() -> Tracer:
    return Tracer(service=_SERVICE)


def __getattr__(name: str) -> Any:
    if name == "tracer":  # `from tradetrack.observability import tracer` builds it on demand
        return get_tracer()
    raise AttributeError(name)
