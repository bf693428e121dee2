"""Open WebSocket connections, kept in Redis for as long as API Gateway keeps them (2 hours)."""

from __future__ import annotations

import time

import redis

_KEY = "ws:conn:{}"


def register_connection(cache: redis.Redis, connection_id: str, *, user_id: str, ttl_s: int) -> None:
    key = _KEY.format(connection_id)
    pipe = cache.pipeline(transaction=True)  # never a key without its expiry
    pipe.hset(key, mapping={"userId": user_id, "connectedAt": str(int(time.time()))})
    pipe.expire(key, ttl_s)
    pipe.execute()


def forget_connection(cache: redis.Redis, connection_id: str) -> None:
    cache.delete(_KEY.format(connection_id))


def connection_user(cache: redis.Redis, connection_id: str) -> str | None:
    user = cache.hget(_KEY.format(connection_id), "userId")
    return str(user) if user is not None else None
