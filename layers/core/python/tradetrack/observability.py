"""The only Logger, Tracer and Metrics objects; every module imports them from here.

Service name and metrics namespace come from POWERTOOLS_SERVICE_NAME and
POWERTOOLS_METRICS_NAMESPACE (set per function by CDK); tracing is off outside Lambda.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

__all__ = ["MetricUnit", "logger", "metrics", "tracer"]

_SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "tradetrack")

logger = Logger(service=_SERVICE)
tracer = Tracer(service=_SERVICE)
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "TradeTrack"), service=_SERVICE)
