"""The Redis client: one per container, created on first use (ElastiCache in AWS)."""

from __future__ import annotations

import threading

import redis

from tradetrack.config import get_settings

_lock = threading.Lock()
_client: redis.Redis | None = None


def create_redis_client(url: str, *, timeout_ms: int) -> redis.Redis:
    timeout_s = timeout_ms / 1000
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        health_check_interval=30,
        decode_responses=True,
    )


def get_redis() -> redis.Redis:
    global _client  # noqa: PLW0603 - one client per container is the point
    with _lock:
        if _client is None:
            settings = get_settings()
            _client = create_redis_client(settings.redis_url, timeout_ms=settings.dependency_timeout_ms)
        return _client


def use_redis_client(client: redis.Redis | None) -> None:
    """Hand in a client (a test server, the embedded stand-in), or None to go back to the settings."""
    global _client  # noqa: PLW0603
    with _lock:
        _client = client
