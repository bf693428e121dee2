"""Sending messages to WebSocket clients through the API Gateway Management API."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from tradetrack.aws import aws_client
from tradetrack.config import get_settings


def management_endpoint(request_context: dict[str, Any]) -> str:
    """Where to post for this API: the configured endpoint, else https://{domain}/{stage}."""
    configured = get_settings().ws_management_endpoint
    if configured:
        return configured
    return f"https://{request_context['domainName']}/{request_context['stage']}"


def management_client(endpoint: str, *, pool_size: int) -> Any:
    """A Management API client for posting from `pool_size` threads: as many kept-alive connections
    as threads (botocore's default pool of 10 opens and drops a connection per post past 10)."""
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=2,
        read_timeout=5,
        max_pool_connections=pool_size,
        tcp_keepalive=True,
    )
    return boto3.client(
        "apigatewaymanagementapi",
        region_name=get_settings().aws_region,
        endpoint_url=endpoint,
        config=config,
    )


def post_to_connection(endpoint: str, connection_id: str, message: dict[str, Any]) -> bool:
    """Send one JSON message; False when the connection is gone (410) and should be forgotten."""
    return post_bytes(
        aws_client("apigatewaymanagementapi", endpoint_url=endpoint),
        connection_id,
        json.dumps(message).encode("utf-8"),
    )


def post_bytes(client: Any, connection_id: str, data: bytes) -> bool:
    """Send an encoded message with a Management API client; False when the connection is gone (410)."""
    try:
        client.post_to_connection(ConnectionId=connection_id, Data=data)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "GoneException":
            return False
        raise
    return True
