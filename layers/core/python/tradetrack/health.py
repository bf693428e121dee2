"""Dependency checks behind GET /v1/health."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.models.health import DependencyStatus, HealthReport
from tradetrack.observability import logger


def _probe(name: str, check: Callable[[], object]) -> DependencyStatus:
    try:
        check()
    except Exception as exc:  # any failure means the dependency is down
        logger.warning("health check failed", extra={"dependency": name, "error": repr(exc)})
        return "down"
    return "ok"


def check_health(db: Database[Any], cache: redis.Redis, *, version: str) -> HealthReport:
    dependencies = {
        "mongo": _probe("mongo", lambda: db.command("ping")),
        "redis": _probe("redis", cache.ping),
    }
    status = "ok" if all(state == "ok" for state in dependencies.values()) else "degraded"
    return HealthReport(status=status, version=version, dependencies=dependencies)
