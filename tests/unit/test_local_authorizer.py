"""The local stack refuses and admits requests the way API Gateway reads an authorizer's answer."""

from __future__ import annotations

from typing import Any

from local.authorizer import Denial, authorizer_event, decide, method_arn

EVENT: dict[str, Any] = {
    "path": "/v1/me",
    "httpMethod": "GET",
    "resource": "/v1/me",
    "headers": {"Authorization": "Bearer x"},
    "requestContext": {"stage": "local", "requestId": "r1"},
}


def policy(effect: str, resource: str) -> dict[str, Any]:
    return {
        "principalId": "usr_1",
        "policyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": effect, "Resource": resource}]},
        "context": {"userId": "usr_1", "role": "user"},
    }


def test_the_authorizer_sees_the_request_and_its_method_arn() -> None:
    request = authorizer_event(EVENT)
    assert request["type"] == "REQUEST"
    assert request["methodArn"].endswith("/local/GET/v1/me")
    assert request["headers"] == {"Authorization": "Bearer x"}


def test_an_allow_puts_the_context_where_handlers_read_it() -> None:
    decided = decide(EVENT, policy("Allow", method_arn(EVENT).rsplit("/", 2)[0] + "/*"))
    assert isinstance(decided, dict)
    assert decided["requestContext"]["authorizer"]["userId"] == "usr_1"
    assert decided["requestContext"]["authorizer"]["principalId"] == "usr_1"


def test_unauthorized_is_401_a_deny_is_403_and_a_crash_is_a_retryable_503() -> None:
    assert decide(EVENT, error=Exception("Unauthorized")) == Denial(401, "UNAUTHENTICATED", "Unauthorized")
    denied = decide(EVENT, policy("Deny", "*"))
    assert isinstance(denied, Denial) and denied.status == 403
    other = decide(EVENT, policy("Allow", "arn:aws:execute-api:ap-south-1:1:other/*"))
    assert isinstance(other, Denial) and other.status == 403
    crashed = decide(EVENT, error=KeyError("boom"))
    assert isinstance(crashed, Denial) and crashed.status == 503
    assert crashed.code == "DEPENDENCY_UNAVAILABLE" and dict(crashed.headers) == {"Retry-After": "5"}
