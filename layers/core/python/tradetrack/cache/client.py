"""The Redis client: one per container, created on first use (ElastiCache in AWS).

In AWS the URL is rediss:// (TLS, the server's certificate and host name verified) and the
ElastiCache RBAC user's name and password come from the Secrets Manager secret named by
REDIS_AUTH_SECRET_ARN (rotated: a container keeps the credentials it started with, which stay
valid until the rotation after next). Locally and in tests the URL alone: plain Redis.
"""

from __future__ import annotations

import json
import ssl
import threading
from dataclasses import dataclass
from typing import Any

import redis
from redis.client import Redis  # the module, not redis/__init__ (tradetrack.coldstart)

from tradetrack.config import ConfigError, get_settings

_lock = threading.Lock()
_client: redis.Redis | None = None


@dataclass(frozen=True)
class RedisCredentials:
    username: str
    password: str


def redis_credentials_from_secret(secret: str) -> RedisCredentials:
    """The secret's JSON {"username", "password"} (what the cache stack and its rotation write)."""
    try:
        value = json.loads(secret)
    except ValueError:
        raise ConfigError("the Redis AUTH secret is not JSON with username and password") from None
    username = value.get("username") if isinstance(value, dict) else None
    password = value.get("password") if isinstance(value, dict) else None
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        raise ConfigError("the Redis AUTH secret is not JSON with username and password")
    return RedisCredentials(username=username, password=password)


def create_redis_client(
    url: str, *, timeout_ms: int, credentials: RedisCredentials | None = None
) -> redis.Redis:
    timeout_s = timeout_ms / 1000
    options: dict[str, Any] = {}
    if url.startswith("rediss://"):
        options.update(
            ssl_cert_reqs="required",
            ssl_check_hostname=True,
            ssl_min_version=ssl.TLSVersion.TLSv1_2,
        )
    if credentials is not None:
        options.update(username=credentials.username, password=credentials.password)
    return Redis.from_url(
        url,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        health_check_interval=30,
        decode_responses=True,
        **options,
    )


def _credentials(secret_arn: str) -> RedisCredentials | None:
    if not secret_arn:
        return None
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    from tradetrack.aws import aws_client

    secret = SecretsProvider(boto3_client=aws_client("secretsmanager")).get(secret_arn)
    return redis_credentials_from_secret(str(secret))


def get_redis() -> redis.Redis:
    global _client  # noqa: PLW0603 - one client per container is the point
    with _lock:
        if _client is None:
            settings = get_settings()
            _client = create_redis_client(
                settings.redis_url,
                timeout_ms=settings.dependency_timeout_ms,
                credentials=_credentials(settings.redis_auth_secret_arn),
            )
        return _client


def use_redis_client(client: redis.Redis | None) -> None:
    """Hand in a client (a test server, the embedded stand-in), or None to go back to the settings."""
    global _client  # noqa: PLW0603
    with _lock:
        _client = client
