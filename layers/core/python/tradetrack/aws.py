"""boto3 clients, made on first use and kept per container; tests and the local stack inject their own."""

from __future__ import annotations

from typing import Any

from tradetrack.config import get_settings

_clients: dict[tuple[str, str], Any] = {}


def aws_client(service: str, *, endpoint_url: str = "") -> Any:
    """The client for `service` (and endpoint, for per-API clients such as API Gateway management)."""
    key = (service, endpoint_url)
    if key not in _clients:
        # The runtime provides boto3; imported on first use so handlers that make no AWS call skip it.
        import boto3
        from botocore.config import Config

        config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)
        _clients[key] = boto3.client(
            service,  # type: ignore[call-overload]
            region_name=get_settings().aws_region,
            endpoint_url=endpoint_url or None,
            config=config,
        )
    return _clients[key]


def use_aws_client(service: str, client: Any, *, endpoint_url: str = "") -> None:
    _clients[(service, endpoint_url)] = client


def reset_aws_clients() -> None:
    _clients.clear()
