"""The REST API over a real socket: API Gateway behaviour in front of the manifest's functions."""

from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e


def test_health_answers_with_the_api_md_body(running: RunningStack) -> None:
    # Given the stack with embedded Mongo and Redis
    # When GET /v1/health
    response = requests.get(f"{running.rest_url}/v1/health", timeout=10)
    # Then 200 with every dependency ok
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["dependencies"] == {"mongo": "ok", "redis": "ok"}
    assert isinstance(body["version"], str)


def test_unknown_route_is_404_in_the_error_shape(running: RunningStack) -> None:
    # When a path no manifest route declares is requested
    response = requests.get(f"{running.rest_url}/v1/no-such-thing", timeout=5)
    # Then 404 with the API.md error body
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "NOT_FOUND"
    assert error["message"]
    assert error["details"] == []


@pytest.mark.parametrize(("method", "path"), [("DELETE", "/v1/health"), ("TRACE", "/v1/health")])
def test_wrong_method_on_a_known_path_is_405_naming_the_allowed_ones(
    running: RunningStack, method: str, path: str
) -> None:
    # When a path that exists is called with a method it does not declare
    response = requests.request(method, f"{running.rest_url}{path}", timeout=5)
    # Then 405 in the error shape, with the methods it has in Allow
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert response.headers["Allow"] == "GET"


def test_handler_exception_is_502_internal_error(running: RunningStack) -> None:
    # Given a function whose handler raises
    # When it is called
    response = requests.get(f"{running.rest_url}/v1/test/boom", timeout=5)
    # Then API Gateway's 502, in the error shape
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "INTERNAL_ERROR"


def test_body_over_10_mb_is_413(running: RunningStack) -> None:
    # When an 11 MB body is posted
    response = requests.post(
        f"{running.rest_url}/v1/test/echo/upload", data=b"x" * (11 * 1024 * 1024), timeout=30
    )
    # Then 413 in the error shape, before any function runs
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_cors_preflight_is_answered(running: RunningStack) -> None:
    # When a browser preflights GET /v1/health
    response = requests.options(
        f"{running.rest_url}/v1/health",
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET"},
        timeout=5,
    )
    # Then the allowed origin, methods and headers come back
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]


def test_openapi_document_lists_health(running: RunningStack) -> None:
    response = requests.get(f"{running.rest_url}/v1/openapi.json", timeout=10)
    assert response.status_code == 200
    assert "/v1/health" in response.json()["paths"]


def test_swagger_ui_is_html(running: RunningStack) -> None:
    response = requests.get(f"{running.rest_url}/v1/docs", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<html" in response.text.lower()


def test_proxy_event_has_the_api_gateway_shape(running: RunningStack) -> None:
    # Given a greedy {proxy+} route
    # When a request with repeated query parameters and a header is made
    response = requests.get(
        f"{running.rest_url}/v1/test/echo/a/b%20c?tag=x&tag=y&limit=5",
        headers={"X-Custom": "yes"},
        timeout=5,
    )
    # Then the handler saw a REST proxy event with the matched template and greedy parameter
    assert response.status_code == 200
    event = response.json()["event"]
    assert event["resource"] == "/v1/test/echo/{proxy+}"
    assert event["path"] == "/v1/test/echo/a/b c"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"proxy": "a/b c"}
    assert event["queryStringParameters"] == {"tag": "y", "limit": "5"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["x", "y"], "limit": ["5"]}
    assert event["headers"]["X-Custom"] == "yes"
    assert event["multiValueHeaders"]["X-Custom"] == ["yes"]
    assert event["stageVariables"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["resourcePath"] == "/v1/test/echo/{proxy+}"
    assert context["stage"] == "local"
    assert context["path"] == "/local/v1/test/echo/a/b c"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert isinstance(context["requestTimeEpoch"], int)
    # and the response's single and multi-value headers both reached the client
    assert response.headers["X-Single"] == "one"
    assert response.headers["X-Multi"] == "a, b"


def test_literal_route_beats_greedy_and_path_parameters_are_named(running: RunningStack) -> None:
    fixed = requests.get(f"{running.rest_url}/v1/test/echo/fixed", timeout=5).json()["event"]
    item = requests.get(f"{running.rest_url}/v1/test/items/it-42", timeout=5).json()["event"]
    assert fixed["resource"] == "/v1/test/echo/fixed"
    assert fixed["pathParameters"] is None
    assert item["pathParameters"] == {"itemId": "it-42"}


def test_binary_body_is_base64_and_text_body_is_not(running: RunningStack) -> None:
    # When a non-UTF-8 body and a JSON body are posted
    binary = requests.post(f"{running.rest_url}/v1/test/echo/bin", data=b"\xff\x00\xfe", timeout=5)
    text = requests.post(f"{running.rest_url}/v1/test/echo/txt", json={"a": "é"}, timeout=5)
    # Then the binary one arrives base64-encoded and the text one as a string
    bin_event, text_event = binary.json()["event"], text.json()["event"]
    assert bin_event["isBase64Encoded"] is True
    assert base64.b64decode(bin_event["body"]) == b"\xff\x00\xfe"
    assert text_event["isBase64Encoded"] is False
    assert json.loads(text_event["body"]) == {"a": "é"}


def test_concurrent_requests_are_served(running: RunningStack) -> None:
    # When 20 health checks run at once
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(
            pool.map(
                lambda _: requests.get(f"{running.rest_url}/v1/health", timeout=10).status_code, range(20)
            )
        )
    # Then all succeed
    assert statuses == [200] * 20
