"""Wrong methods on real paths: 405 with Allow, and CORS preflights, from one MOCK ANY per path."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from functions.manifest import FUNCTIONS
from tests.infrastructure.conftest import Synthesized, synthesize
from tests.infrastructure.test_rest_api import methods_by_route, resource_paths

pytestmark = pytest.mark.infrastructure

SERVED: dict[str, set[str]] = {}
for _spec in FUNCTIONS:
    for _route in _spec.rest:
        SERVED.setdefault(_route.path, set()).add(_route.method)


def mock_status(request_template: str, method: str) -> str:
    """The statusCode API Gateway's VTL gives the MOCK for `method` (the one #if of the template)."""
    match = re.fullmatch(
        r'\{"statusCode": #if\(\$context\.httpMethod == "(\w+)"\)(\d+)#\{else\}(\d+)#end\}', request_template
    )
    assert match, request_template
    expected, then, otherwise = match.groups()
    return then if method == expected else otherwise


def chosen_response(integration: dict[str, Any], status: str) -> dict[str, Any]:
    """The integration response a MOCK status selects: a matching pattern, else the default one."""
    responses = integration["IntegrationResponses"]
    for response in responses:
        if "SelectionPattern" in response and re.fullmatch(response["SelectionPattern"], status):
            return dict(response)
    (default,) = [response for response in responses if "SelectionPattern" not in response]
    return dict(default)


def answer(app: Synthesized, method: str, path: str) -> dict[str, Any]:
    """What API Gateway answers for `method` on `path` when the path does not serve that method."""
    props = methods_by_route(app)[("ANY", path)]
    integration = props["Integration"]
    status = mock_status(integration["RequestTemplates"]["application/json"], method)
    response = chosen_response(integration, status)
    headers = {
        key.removeprefix("method.response.header."): value.strip("'")
        for key, value in response.get("ResponseParameters", {}).items()
    }
    template = response.get("ResponseTemplates", {}).get("application/json", "")
    body = template.replace("$context.httpMethod", method).replace("$context.path", f"/dev{path}")
    return {"status": int(response["StatusCode"]), "headers": headers, "body": body, "props": props}


def test_every_served_path_has_one_unauthenticated_mock_any(dev_app: Synthesized) -> None:
    # Given the synthesized REST API
    routes = methods_by_route(dev_app)

    # Then every path the manifest serves has exactly one ANY, open (preflights carry no token) and MOCK
    any_paths = {path for method, path in routes if method == "ANY"}
    assert any_paths == set(SERVED)
    for path in SERVED:
        props = routes[("ANY", path)]
        assert props["AuthorizationType"] == "NONE"
        assert props["Integration"]["Type"] == "MOCK"
        assert props["Integration"]["PassthroughBehavior"] == "NEVER"
    # And no path has a separate OPTIONS method any more (ANY answers preflights)
    assert not [route for route in routes if route[0] == "OPTIONS"]
    # And a path that serves no method gets no ANY: it stays a 404 (MISSING_AUTHENTICATION_TOKEN)
    unserved = set(resource_paths(dev_app).values()) - set(SERVED)
    assert "/v1" in unserved
    assert not any(("ANY", path) in routes for path in unserved)


@pytest.mark.parametrize(
    ("method", "path"), [("PUT", "/v1/trades"), ("TRACE", "/v1/health"), ("DELETE", "/v1/auth/login")]
)
def test_a_wrong_method_is_a_405_naming_the_allowed_methods(
    dev_app: Synthesized, method: str, path: str
) -> None:
    # Given a path the API serves with other methods
    allowed = sorted(SERVED[path])
    assert method not in allowed

    # When a client sends the wrong method
    got = answer(dev_app, method, path)

    # Then it is a 405 whose Allow header and API.md error body name the methods the path serves
    assert got["status"] == 405
    assert got["headers"]["Allow"] == ", ".join(allowed)
    assert got["headers"]["Access-Control-Allow-Origin"] == "*"
    error = json.loads(got["body"])["error"]
    assert error["code"] == "METHOD_NOT_ALLOWED"
    assert error["message"] == f"{method} is not allowed on /dev{path}: use {', '.join(allowed)}"
    assert error["details"] == []
    # And the 405 is a declared method response carrying those headers
    declared = {r["StatusCode"]: r for r in got["props"]["MethodResponses"]}
    assert declared["405"]["ResponseParameters"]["method.response.header.Allow"] is True


def test_a_preflight_is_a_204_allowing_the_paths_methods(dev_app: Synthesized) -> None:
    # Given a path serving GET and POST
    path = next(p for p, methods in SERVED.items() if {"GET", "POST"} <= methods)

    # When a browser sends its preflight
    got = answer(dev_app, "OPTIONS", path)

    # Then it is a 204 allowing exactly that path's methods, the SPA's headers, cached 10 minutes
    assert got["status"] == 204
    assert got["headers"]["Access-Control-Allow-Methods"].split(",") == [*sorted(SERVED[path]), "OPTIONS"]
    assert {"Authorization", "Content-Type", "Idempotency-Key"} <= set(
        got["headers"]["Access-Control-Allow-Headers"].split(",")
    )
    assert got["headers"]["Access-Control-Max-Age"] == "600"
    assert got["headers"]["Access-Control-Allow-Origin"] == "*"
    assert got["body"] == ""


@pytest.fixture(scope="module")
def two_origin_app(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    root: Path = tmp_path_factory.mktemp("origins")
    origins = "https://app.example.com,https://admin.example.com"
    return synthesize(root / "cdk.out", root / "deps", context={"stage": "dev", "corsAllowOrigins": origins})


def test_with_several_origins_the_answer_echoes_an_allowed_origin(two_origin_app: Synthesized) -> None:
    # Given an API allowing two origins
    # When a browser preflights and a client sends a wrong method
    preflight = answer(two_origin_app, "OPTIONS", "/v1/trades")
    wrong = answer(two_origin_app, "PUT", "/v1/trades")

    # Then both answers default to the first origin, vary by Origin, and echo the second when it asks
    for got in (preflight, wrong):
        assert got["headers"]["Access-Control-Allow-Origin"] == "https://app.example.com"
        assert got["headers"]["Vary"] == "Origin"
        assert '$origin == "https://admin.example.com"' in got["body"]
        assert "#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)" in got["body"]
