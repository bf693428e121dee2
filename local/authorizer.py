"""API Gateway's Lambda REQUEST authorizer, as the gateway runs it in front of a route.

`authorizer_event` builds what the authorizer receives; `decide` reads what it returned (or
raised) the way API Gateway does: "Unauthorized" → 401, a policy that does not allow the
method ARN → 403, anything else that goes wrong → 500; an allow puts the policy's context
into the route's requestContext.authorizer. No result caching (API Gateway caches 300 s).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

from local.events.common import ACCOUNT_ID, REGION, REST_API_ID, STAGE, WS_API_ID

_PASSED_THROUGH = (
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
    "stageVariables",
    "requestContext",
)


@dataclass(frozen=True)
class Denial:
    status: int  # 401, 403, 500 or 503
    code: str
    message: str
    headers: tuple[tuple[str, str], ...] = ()


# The authorizer raised (its stores unreachable, or a bug): API Gateway's AUTHORIZER_FAILURE, which
# cdk/tradetrack_infra/gateway_responses.py answers as this 503, a status clients retry; a 401
# would sign the user out for an outage.
AUTHORIZER_UNAVAILABLE = Denial(
    503,
    "DEPENDENCY_UNAVAILABLE",
    "sign-in could not be checked just now: retry shortly",
    (("Retry-After", "5"),),
)


def method_arn(event: dict[str, Any]) -> str:
    context = event.get("requestContext") or {}
    if context.get("routeKey"):
        return f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{WS_API_ID}/{STAGE}/{context['routeKey']}"
    resource = str(event.get("path") or "/").lstrip("/")
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{REST_API_ID}/{STAGE}/{event['httpMethod']}/{resource}"


def authorizer_event(event: dict[str, Any]) -> dict[str, Any]:
    """The REQUEST authorizer's input for the request `event` (REST proxy or WebSocket $connect)."""
    request: dict[str, Any] = {"type": "REQUEST", "methodArn": method_arn(event)}
    for key in ("resource", "path", "httpMethod"):
        if key in event:
            request[key] = event[key]
    for key in _PASSED_THROUGH:
        if key in event:
            request[key] = event[key]
    return request


def _allows(policy: Any, arn: str) -> bool:
    statements = (policy or {}).get("Statement") or []
    allowed = False
    for statement in statements if isinstance(statements, list) else [statements]:
        resources = statement.get("Resource") or []
        resources = resources if isinstance(resources, list) else [resources]
        if not any(fnmatch.fnmatchcase(arn, pattern) for pattern in resources):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def decide(
    event: dict[str, Any], result: Any = None, error: BaseException | None = None
) -> Denial | dict[str, Any]:
    """The route's event with requestContext.authorizer filled in, or the gateway's refusal."""
    if error is not None:
        if str(error) == "Unauthorized":
            return Denial(401, "UNAUTHENTICATED", "Unauthorized")
        return AUTHORIZER_UNAVAILABLE
    if not isinstance(result, dict) or "principalId" not in result:
        return Denial(500, "AUTHORIZER_FAILURE", "authorizer returned no policy")
    if not _allows(result.get("policyDocument"), method_arn(event)):
        return Denial(403, "FORBIDDEN", "User is not authorized to access this resource")
    context = {str(k): v for k, v in (result.get("context") or {}).items()}
    authorized = dict(event)
    authorized["requestContext"] = {
        **(event.get("requestContext") or {}),
        "authorizer": {**context, "principalId": result["principalId"], "integrationLatency": 0},
    }
    return authorized
