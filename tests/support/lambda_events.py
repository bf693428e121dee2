"""Lambda events and context for tests that invoke handlers directly."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeLambdaContext:
    function_name: str = "test-function"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:ap-south-1:123456789012:function:test-function"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def rest_event(
    method: str,
    path: str,
    *,
    body: str | dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST proxy event (payload format 1.0) as API Gateway sends it."""
    raw = json.dumps(body) if isinstance(body, dict) else body
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": hdrs,
        "multiValueHeaders": {k: [v] for k, v in hdrs.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/test{path}",
            "stage": "test",
            "requestId": str(uuid.uuid4()),
            "accountId": "123456789012",
            "apiId": "testapi",
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "pytest"},
        },
        "body": raw,
        "isBase64Encoded": False,
    }


def ws_event(
    route_key: str, connection_id: str, *, body: str | None = None, user_id: str | None = "usr_ws"
) -> dict[str, Any]:
    """An API Gateway WebSocket event for $connect, $disconnect or $default, as authorized for `user_id`."""
    event_type = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route_key, "MESSAGE")
    return {
        "requestContext": {
            "routeKey": route_key,
            "eventType": event_type,
            "connectionId": connection_id,
            "requestId": str(uuid.uuid4()),
            "domainName": "ws.test.local",
            "stage": "test",
            "apiId": "testws",
            **(
                {"authorizer": {"userId": user_id, "role": "user", "principalId": user_id}} if user_id else {}
            ),
        },
        "body": body,
        "isBase64Encoded": False,
    }


def response_json(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])
