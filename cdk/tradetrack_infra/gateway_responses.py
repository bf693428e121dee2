"""API Gateway's own error responses, in the API.md error shape.

API Gateway answers an unknown route with 403 "Missing Authentication Token"; API.md says 404.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from aws_cdk import aws_apigateway as apigateway

# $context.error.messageString is already a quoted JSON string.
GATEWAY_MESSAGE = "$context.error.messageString"


@dataclass(frozen=True)
class GatewayError:
    type: apigateway.ResponseType
    status: str | None  # None: keep API Gateway's status (the DEFAULT_* catch-alls)
    code: str
    message: str | None = None  # None: API Gateway's own message
    headers: tuple[tuple[str, str], ...] = ()

    def template(self) -> str:
        message = GATEWAY_MESSAGE if self.message is None else json.dumps(self.message)
        return f'{{"error":{{"code":"{self.code}","message":{message},"details":[]}}}}'


GATEWAY_ERRORS: tuple[GatewayError, ...] = (
    GatewayError(apigateway.ResponseType.DEFAULT_4_XX, None, "BAD_REQUEST"),
    GatewayError(apigateway.ResponseType.DEFAULT_5_XX, None, "INTERNAL_ERROR"),
    GatewayError(apigateway.ResponseType.BAD_REQUEST_BODY, "400", "VALIDATION_ERROR"),
    GatewayError(apigateway.ResponseType.BAD_REQUEST_PARAMETERS, "400", "VALIDATION_ERROR"),
    GatewayError(apigateway.ResponseType.UNAUTHORIZED, "401", "UNAUTHENTICATED"),
    GatewayError(apigateway.ResponseType.ACCESS_DENIED, "403", "FORBIDDEN"),
    GatewayError(apigateway.ResponseType.WAF_FILTERED, "403", "FORBIDDEN"),
    GatewayError(
        apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN,
        "404",
        "NOT_FOUND",
        "No route matches this method and path",
    ),
    GatewayError(apigateway.ResponseType.RESOURCE_NOT_FOUND, "404", "NOT_FOUND"),
    GatewayError(apigateway.ResponseType.REQUEST_TOO_LARGE, "413", "PAYLOAD_TOO_LARGE"),
    GatewayError(apigateway.ResponseType.THROTTLED, "429", "RATE_LIMITED", headers=(("Retry-After", "1"),)),
    GatewayError(
        apigateway.ResponseType.QUOTA_EXCEEDED, "429", "RATE_LIMITED", headers=(("Retry-After", "60"),)
    ),
    GatewayError(apigateway.ResponseType.INTEGRATION_TIMEOUT, "504", "UPSTREAM_TIMEOUT"),
    # The authorizer raised (Redis and Mongo unreachable): a retryable 503, as local/authorizer.py
    GatewayError(
        apigateway.ResponseType.AUTHORIZER_FAILURE,
        "503",
        "DEPENDENCY_UNAVAILABLE",
        "sign-in could not be checked just now: retry shortly",
        headers=(("Retry-After", "5"),),
    ),
)


def add_gateway_responses(api: apigateway.RestApi, allow_origin: str) -> None:
    """Add every GATEWAY_ERRORS response; `allow_origin` lets browsers read them (one static value)."""
    for error in GATEWAY_ERRORS:
        headers = {"Access-Control-Allow-Origin": f"'{allow_origin}'"}
        headers.update({name: f"'{value}'" for name, value in error.headers})
        api.add_gateway_response(
            error.type.response_type,
            type=error.type,
            status_code=error.status,
            response_headers=headers,
            templates={"application/json": error.template()},
        )
