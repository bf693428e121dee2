"""boto3 clients, made on first use and kept per container; tests and the local stack inject their own.

A boto3 client is thread-safe once made, but making one goes through boto3's default Session,
which is not: clients are made under a lock, so threads asking at once (the sync worker's records,
tradetrack.batches) get the same client, made once.
"""

from __future__ import annotations

import threading
from typing import Any

from tradetrack.config import get_settings

_lock = threading.Lock()
_clients: dict[tuple[str, str], Any] = {}


def aws_client(service: str, *, endpoint_url: str = "") -> Any:
    """The client for `service` (and endpoint, for per-API clients such as API Gateway management)."""
    key = (service, endpoint_url)
    client = _clients.get(key)
    if client is not None:
        return client
    with _lock:
        if key in _clients:  # made by another thread meanwhile
            return _clients[key]
        # The runtime provides boto3; imported on first use so handlers that make no AWS call skip it.
        import boto3
        from botocore.config import Config

        config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)
        client = _clients[key] = boto3.client(
            service,  # type: ignore[call-overload]
            region_name=get_settings().aws_region,
            endpoint_url=endpoint_url or None,
            config=config,
        )
    return client


def use_aws_client(service: str, client: Any, *, endpoint_url: str = "") -> None:
    with _lock:
        _clients[(service, endpoint_url)] = client


def reset_aws_clients() -> None:
    with _lock:
        _clients.clear()
