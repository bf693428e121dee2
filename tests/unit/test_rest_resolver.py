"""The REST resolver every function shares: validation, error bodies, size limit, CORS."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Annotated, Any

import pymongo.errors
import pytest
import redis.exceptions
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel, ConfigDict, Field

from tests.support.lambda_events import lambda_context, response_json, rest_event
from tradetrack.config import reset_settings
from tradetrack.errors import Conflict, NotFound, RateLimited, ValidationFailed
from tradetrack.json_limits import MAX_JSON_DEPTH, loads_bounded
from tradetrack.rest import LambdaHandler, make_rest_resolver, rest_handler


class Order(BaseModel):
    model_config = ConfigDict(extra="forbid")
    symbol: str = Field(min_length=1)
    quantity: int = Field(gt=0)


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[LambdaHandler]:
    monkeypatch.setenv("CORS_ALLOW_ORIGINS", "https://app.tradetrack.in")
    reset_settings()
    app = make_rest_resolver()

    @app.post("/v1/orders")
    def create(order: Annotated[Order, Body()]) -> dict[str, Any]:
        return {"symbol": order.symbol, "quantity": order.quantity}

    @app.get("/v1/fail/<kind>")
    def fail(kind: str) -> dict[str, Any]:
        errors: dict[str, Exception] = {
            "conflict": Conflict("already there"),
            "missing": NotFound("no such trade"),
            "limited": RateLimited("slow down", retry_after_s=7),
            "mongo": pymongo.errors.ServerSelectionTimeoutError("no servers"),
            "redis": redis.exceptions.ConnectionError("refused"),
        }
        raise errors[kind]

    yield rest_handler(app)
    reset_settings()


def call(handler: LambdaHandler, event: dict[str, Any]) -> dict[str, Any]:
    return handler(event, lambda_context())


def test_a_valid_body_reaches_the_route(handler: LambdaHandler) -> None:
    response = call(handler, rest_event("POST", "/v1/orders", body={"symbol": "INFY", "quantity": 5}))
    assert response["statusCode"] == 200
    assert response_json(response) == {"symbol": "INFY", "quantity": 5}


def test_malformed_json_is_a_400_in_the_api_error_shape(handler: LambdaHandler) -> None:
    # Given a body that is not JSON / When posted / Then 400 with the API.md error body
    response = call(handler, rest_event("POST", "/v1/orders", body='{"symbol": "INFY",'))
    assert response["statusCode"] == 400
    error = response_json(response)["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert "not valid JSON" in error["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"symbol": "INFY", "quantity": "five"}, "body.quantity"),
        ({"symbol": "INFY", "quantity": -1}, "body.quantity"),
        ({"symbol": "INFY", "quantity": 1, "admin": True}, "body.admin"),
        ({"symbol": {"$ne": None}, "quantity": 1}, "body.symbol"),
    ],
)
def test_invalid_fields_are_a_400_naming_the_field(
    handler: LambdaHandler, body: dict[str, Any], field: str
) -> None:
    response = call(handler, rest_event("POST", "/v1/orders", body=body))
    assert response["statusCode"] == 400
    assert field in [d["field"] for d in response_json(response)["error"]["details"]]


def test_unknown_route_is_a_404_in_the_api_error_shape(handler: LambdaHandler) -> None:
    response = call(handler, rest_event("GET", "/v1/nothing-here"))
    assert response["statusCode"] == 404
    assert response_json(response)["error"]["code"] == "NOT_FOUND"


def test_a_body_over_one_megabyte_is_a_413(handler: LambdaHandler) -> None:
    big = '{"symbol": "' + "A" * (1024 * 1024) + '", "quantity": 1}'
    response = call(handler, rest_event("POST", "/v1/orders", body=big))
    assert response["statusCode"] == 413
    assert response_json(response)["error"]["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("conflict", 409, "CONFLICT"),
        ("missing", 404, "NOT_FOUND"),
        ("limited", 429, "RATE_LIMITED"),
        ("mongo", 503, "DEPENDENCY_UNAVAILABLE"),
        ("redis", 503, "DEPENDENCY_UNAVAILABLE"),
    ],
)
def test_domain_and_dependency_errors_map_to_their_status(
    handler: LambdaHandler, kind: str, status: int, code: str
) -> None:
    response = call(handler, rest_event("GET", f"/v1/fail/{kind}"))
    assert response["statusCode"] == status
    assert response_json(response)["error"]["code"] == code


def test_rate_limited_says_when_to_retry(handler: LambdaHandler) -> None:
    response = call(handler, rest_event("GET", "/v1/fail/limited"))
    headers = response.get("multiValueHeaders") or {}
    assert headers.get("Retry-After") == ["7"]


def test_dependency_errors_name_the_dependency(handler: LambdaHandler) -> None:
    response = call(handler, rest_event("GET", "/v1/fail/redis"))
    assert response_json(response)["error"]["details"] == [{"dependency": "redis"}]


def test_cors_allows_the_configured_origin_only(handler: LambdaHandler) -> None:
    allowed = call(
        handler, rest_event("GET", "/v1/fail/missing", headers={"Origin": "https://app.tradetrack.in"})
    )
    other = call(handler, rest_event("GET", "/v1/fail/missing", headers={"Origin": "https://evil.example"}))
    assert allowed["multiValueHeaders"]["Access-Control-Allow-Origin"] == ["https://app.tradetrack.in"]
    assert "Access-Control-Allow-Origin" not in (other.get("multiValueHeaders") or {})


def test_a_body_that_is_not_utf8_is_a_400(handler: LambdaHandler) -> None:
    # Given bytes API Gateway had to base64-encode / When posted / Then 400, not a crash
    event = rest_event("POST", "/v1/orders", body=base64.b64encode(b"\xff\xfe{bad").decode())
    event["isBase64Encoded"] = True
    response = call(handler, event)
    assert response["statusCode"] == 400
    assert "UTF-8" in response_json(response)["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [
        '{"symbol": ' + "[" * 1000,  # the attack as sent: never closed
        '{"symbol": ' + "[" * 1000 + "]" * 1000 + ', "quantity": 1}',  # well-formed, too deep
        "[" * 100_000,
    ],
)
def test_deeply_nested_json_is_a_400_saying_how_deep(handler: LambdaHandler, body: str) -> None:
    # Given a body nesting arrays far deeper than any request needs
    # When it is posted to a JSON route
    response = call(handler, rest_event("POST", "/v1/orders", body=body))
    # Then 400 in the API error shape naming the limit, not a RecursionError
    assert response["statusCode"] == 400
    error = response_json(response)["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert error["message"] == f"JSON nested deeper than {MAX_JSON_DEPTH} levels"


def test_brackets_inside_strings_do_not_count_as_nesting(handler: LambdaHandler) -> None:
    # Given a valid order whose symbol is a string full of brackets
    symbol = '[{\\"' + "[" * 500 + "{" * 500
    # When posted
    response = call(
        handler, rest_event("POST", "/v1/orders", body=f'{{"symbol": "{symbol}", "quantity": 2}}')
    )
    # Then it reaches the route
    assert response["statusCode"] == 200
    assert response_json(response)["quantity"] == 2


def test_nesting_up_to_the_limit_is_parsed_and_one_more_is_refused() -> None:
    # Given documents nested exactly to the limit and one level past it
    at_limit = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    past_limit = "[" + at_limit + "]"
    # When parsed / Then the first is JSON as usual and the second a 400 naming the field
    assert loads_bounded(at_limit) is not None
    with pytest.raises(ValidationFailed) as refused:
        loads_bounded(past_limit, field="cursor")
    assert refused.value.details == [{"field": "cursor", "issue": "json_too_deep", "limit": MAX_JSON_DEPTH}]


def test_a_multipart_body_is_a_415_not_a_crash(handler: LambdaHandler) -> None:
    # Given a JSON body sent as multipart/form-data without a boundary
    event = rest_event(
        "POST",
        "/v1/orders",
        body={"symbol": "INFY", "quantity": 1},
        headers={"Content-Type": "multipart/form-data"},
    )
    # When posted / Then 415 in the error shape asking for JSON
    response = call(handler, event)
    assert response["statusCode"] == 415
    assert response_json(response)["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
