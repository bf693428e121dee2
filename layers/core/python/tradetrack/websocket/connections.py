"""Open WebSocket connections, kept in Redis for as long as API Gateway keeps them (2 hours)."""

from __future__ import annotations

import time

import redis

_KEY = "ws:conn:{}"


def register_connection(cache: redis.Redis, connection_id: str, *, user_id: str, ttl_s: int) -> None:
    cache.hset(_KEY.format(connection_id), mapping={"userId": user_id, "connectedAt": str(int(time.time()))})
    cache.expire(_KEY.format(connection_id), ttl_s)


def forget_connection(cache: redis.Redis, connection_id: str) -> None:
    cache.delete(_KEY.format(connection_id))


def connection_user(cache: redis.Redis, connection_id: str) -> str | None:
    user = cache.hget(_KEY.format(connection_id), "userId")
    return str(user) if user is not None else None
