"""Sending messages to WebSocket clients through the API Gateway Management API."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from tradetrack.aws import aws_client
from tradetrack.config import get_settings
from tradetrack.websocket.management import ManagementApi, management_api


def management_endpoint(request_context: dict[str, Any]) -> str:
    """Where to post for this API: the configured endpoint, else https://{domain}/{stage}."""
    configured = get_settings().ws_management_endpoint
    if configured:
        return configured
    return f"https://{request_context['domainName']}/{request_context['stage']}"


def management_client(endpoint: str, *, pool_size: int) -> ManagementApi:
    """A Management API client for posting from `pool_size` threads: the lean SigV4 client
    (tradetrack.websocket.management, about a twentieth of boto3's CPU a post) keeping as many
    connections alive as threads, signing with the default credential chain (Lambda's role)."""
    return management_api(endpoint, region=get_settings().aws_region, pool_size=pool_size)


def post_to_connection(endpoint: str, connection_id: str, message: dict[str, Any]) -> bool:
    """Send one JSON message; False when the connection is gone (410) and should be forgotten."""
    return post_bytes(
        aws_client("apigatewaymanagementapi", endpoint_url=endpoint),
        connection_id,
        json.dumps(message).encode("utf-8"),
    )


def post_bytes(client: Any, connection_id: str, data: bytes) -> bool:
    """Send an encoded message with a Management API client (the lean ManagementApi or a boto3
    client); False when the connection is gone (410)."""
    if isinstance(client, ManagementApi):
        return client.post(connection_id, data)
    try:
        client.post_to_connection(ConnectionId=connection_id, Data=data)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "GoneException":
            return False
        raise
    return True
