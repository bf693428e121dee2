"""The analytics cache (ARCHITECTURE.md flow 4): Redis, 15 minutes, keyed by the user's analytics
version (bumped on every trade change, tradetrack.trades) and a hash of the query, so a new
execution is visible on the very next request. Redis being away only costs a recomputation."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from pydantic import BaseModel

from tradetrack.analytics.charges import SCHEDULE_VERSION
from tradetrack.observability import MetricUnit, logger, metrics
from tradetrack.trades import analytics_version

TTL_S = 15 * 60
M = TypeVar("M", bound=BaseModel)


def cache_key(user_id: str, version: int, route: str, params: dict[str, Any]) -> str:
    text = json.dumps({"route": route, "params": params, "schedule": SCHEDULE_VERSION}, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    return f"analytics:{user_id}:{version}:{digest}"


def through_cache(
    cache: redis.Redis,
    user_id: str,
    route: str,
    params: dict[str, Any],
    model: type[M],
    compute: Callable[[int | None], M],
) -> M:
    """The cached answer (`cached: true`) or `compute(version)`'s, stored for TTL_S."""
    try:
        version = analytics_version(cache, user_id)
        key = cache_key(user_id, version, route, params)
        raw = cache.get(key)
    except redis.exceptions.RedisError as exc:
        logger.warning("analytics cache unavailable", extra={"error": str(exc)})
        metrics.add_metric(name="AnalyticsCacheUnavailable", unit=MetricUnit.Count, value=1)
        return compute(None)
    if raw is not None:
        metrics.add_metric(name="AnalyticsCacheHit", unit=MetricUnit.Count, value=1)
        return model.model_validate_json(raw).model_copy(update={"cached": True})
    result = compute(version)
    try:
        cache.set(key, result.model_dump_json(by_alias=True), ex=TTL_S)
    except redis.exceptions.RedisError as exc:
        logger.warning("analytics cache write failed", extra={"error": str(exc)})
    return result
