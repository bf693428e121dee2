"""Short Redis locks that serialise work on one key across Lambda containers."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from tradetrack.observability import MetricUnit, logger, metrics

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class LockTimeout(Exception):
    """Another worker held the lock for longer than we were willing to wait."""


@contextmanager
def redis_lock(cache: redis.Redis, key: str, *, ttl_ms: int = 30_000, wait_s: float = 10.0) -> Iterator[None]:
    """Hold `key` while the block runs. Only the holder can release it (token compared in Lua);
    `ttl_ms` frees it if the holder dies. Without Redis the block runs unlocked (logged, counted)."""
    token = secrets.token_hex(16)
    deadline = time.monotonic() + wait_s
    try:
        while not cache.set(key, token, nx=True, px=ttl_ms):
            if time.monotonic() >= deadline:
                raise LockTimeout(f"{key} is busy")
            time.sleep(0.02)
    except redis.exceptions.RedisError as exc:
        logger.error("lock unavailable; running unlocked", extra={"key": key, "error": str(exc)})
        metrics.add_metric(name="LockUnavailable", unit=MetricUnit.Count, value=1)
        yield
        return
    try:
        yield
    finally:
        try:
            cache.eval(_RELEASE, 1, key, token)
        except redis.exceptions.RedisError as exc:  # it expires on its own
            logger.warning("lock release failed", extra={"key": key, "error": str(exc)})
