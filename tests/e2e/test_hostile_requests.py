"""Hostile requests over a real socket: JSON nested to exhaust the parser, methods a path does not have."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.accounts import register_and_login
from tests.e2e.conftest import RunningStack
from tradetrack.json_limits import MAX_JSON_DEPTH

pytestmark = pytest.mark.e2e

NESTED = '{"symbol": ' + "[" * 1000


@pytest.mark.parametrize("path", ["/v1/auth/login", "/v1/auth/register", "/v1/auth/refresh"])
def test_deeply_nested_json_to_a_public_route_is_a_400(running: RunningStack, path: str) -> None:
    # Given no token at all
    # When a body nesting a thousand arrays is posted to a public JSON route
    response = requests.post(
        f"{running.rest_url}{path}",
        data=NESTED,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    # Then 400 in the error shape saying why, not a 502 RecursionError
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert error["message"] == f"JSON nested deeper than {MAX_JSON_DEPTH} levels"


def test_deeply_nested_json_to_an_authorized_route_is_a_400(running: RunningStack) -> None:
    # Given a signed-in trader
    _, token = register_and_login(running.rest_url, prefix="nested")
    # When the nested body is posted to a JSON route behind the authorizer, without a content type
    response = requests.post(
        f"{running.rest_url}/v1/alerts",
        data=NESTED.encode(),
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    # Then 400, and the route still serves a well-formed request afterwards
    assert response.status_code == 400, response.text
    assert response.json()["error"]["message"] == f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
    listed = requests.get(
        f"{running.rest_url}/v1/alerts", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert listed.status_code == 200


def test_put_on_the_trades_collection_is_405_with_its_methods(running: RunningStack) -> None:
    # Given a signed-in trader
    _, token = register_and_login(running.rest_url, prefix="method")
    # When PUT /v1/trades (the collection has GET only) is sent with a valid token
    response = requests.put(
        f"{running.rest_url}/v1/trades", json={}, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    # Then 405 naming the allowed methods, not 404
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert response.headers["Allow"] == "GET"


def test_a_path_with_an_encoded_newline_is_answered_in_the_error_shape(running: RunningStack) -> None:
    # When a path parameter carries an encoded newline
    response = requests.post(f"{running.rest_url}/v1/notifications/a%0Ab/read", timeout=10)
    # Then the stack's own answer (the authorizer's 401 here), JSON like every other, not aiohttp's text 404
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "UNAUTHENTICATED"
