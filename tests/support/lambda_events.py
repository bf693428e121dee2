"""Lambda events and context for tests that invoke handlers directly."""

from __future__ import annotations

import json
import uuid
from typing import Any, cast

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.manifest import FunctionSpec
from local.lambda_runtime import make_context


def lambda_context(name: str = "test-function") -> LambdaContext:
    """The context the Lambda runtime passes (the local stack's stand-in)."""
    return cast(LambdaContext, make_context(FunctionSpec(name=name, capability="Test")))


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
