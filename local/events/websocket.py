"""API Gateway WebSocket API events: $connect, $disconnect and message routes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from local.events.common import STAGE, WS_API_ID, api_gateway_time
from local.events.rest import _single_and_multi


def _context(
    *,
    route_key: str,
    event_type: str,
    connection_id: str,
    request_id: str,
    epoch_ms: int,
    connected_at_ms: int,
    domain_name: str,
    source_ip: str,
    user_agent: str | None,
) -> dict[str, Any]:
    return {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": request_id.replace("-", "")[:16] + "=",
        "requestTime": api_gateway_time(epoch_ms),
        "messageDirection": "IN",
        "stage": STAGE,
        "connectedAt": connected_at_ms,
        "requestTimeEpoch": epoch_ms,
        "identity": {"sourceIp": source_ip, "userAgent": user_agent},
        "requestId": request_id,
        "domainName": domain_name,
        "connectionId": connection_id,
        "apiId": WS_API_ID,
    }


def connect_event(
    *,
    connection_id: str,
    request_id: str,
    epoch_ms: int,
    headers: Sequence[tuple[str, str]] = (),
    query: Sequence[tuple[str, str]] = (),
    domain_name: str = "127.0.0.1:3001",
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    single_headers, multi_headers = _single_and_multi(headers)
    single_query, multi_query = _single_and_multi(query)
    user_agent = (single_headers or {}).get("User-Agent") or (single_headers or {}).get("user-agent")
    event: dict[str, Any] = {
        "headers": single_headers,
        "multiValueHeaders": multi_headers,
        "requestContext": _context(
            route_key="$connect",
            event_type="CONNECT",
            connection_id=connection_id,
            request_id=request_id,
            epoch_ms=epoch_ms,
            connected_at_ms=epoch_ms,
            domain_name=domain_name,
            source_ip=source_ip,
            user_agent=user_agent,
        ),
        "isBase64Encoded": False,
    }
    if single_query:
        event["queryStringParameters"] = single_query
        event["multiValueQueryStringParameters"] = multi_query
    return event


def message_event(
    *,
    route_key: str,
    connection_id: str,
    request_id: str,
    epoch_ms: int,
    connected_at_ms: int,
    body: str,
    is_base64: bool = False,
    domain_name: str = "127.0.0.1:3001",
    source_ip: str = "127.0.0.1",
    user_agent: str | None = None,
) -> dict[str, Any]:
    context = _context(
        route_key=route_key,
        event_type="MESSAGE",
        connection_id=connection_id,
        request_id=request_id,
        epoch_ms=epoch_ms,
        connected_at_ms=connected_at_ms,
        domain_name=domain_name,
        source_ip=source_ip,
        user_agent=user_agent,
    )
    context["messageId"] = request_id.replace("-", "")[:16] + "="
    return {"requestContext": context, "body": body, "isBase64Encoded": is_base64}


def disconnect_event(
    *,
    connection_id: str,
    request_id: str,
    epoch_ms: int,
    connected_at_ms: int,
    status_code: int = 1000,
    reason: str = "",
    domain_name: str = "127.0.0.1:3001",
    source_ip: str = "127.0.0.1",
    user_agent: str | None = None,
) -> dict[str, Any]:
    context = _context(
        route_key="$disconnect",
        event_type="DISCONNECT",
        connection_id=connection_id,
        request_id=request_id,
        epoch_ms=epoch_ms,
        connected_at_ms=connected_at_ms,
        domain_name=domain_name,
        source_ip=source_ip,
        user_agent=user_agent,
    )
    context["disconnectStatusCode"] = status_code
    context["disconnectReason"] = (
        reason or f"Client-side close frame status code '{status_code}' - description ''"
    )
    headers = {"Host": domain_name, "X-Forwarded-For": source_ip, "X-Forwarded-Proto": "http"}
    return {
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "requestContext": context,
        "isBase64Encoded": False,
    }
