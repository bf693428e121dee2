"""The served OpenAPI document says what the API answers: who needs a token, which errors, which bodies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from functions.docs.handler import merged_openapi_json
from functions.manifest import FUNCTIONS

METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    # Given the document /v1/openapi.json serves, merged from every REST function
    return dict(json.loads(merged_openapi_json()))


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method.upper(), path, operation


def test_every_manifest_route_is_documented_with_its_authentication(document: dict[str, Any]) -> None:
    # Then the bearer scheme exists (Swagger's Authorize button) and each route says whether it needs it
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": document["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    documented = {(method, path): op for method, path, op in operations(document)}
    for spec in FUNCTIONS:
        for route in spec.rest:
            if spec.name == "docs":
                continue
            expected: list[dict[str, list[str]]] = [] if route.public else [{"bearerAuth": []}]
            if route.path.endswith("/{proxy+}"):  # one greedy resource: every operation it serves
                prefix = route.path.removesuffix("{proxy+}")
                served = [
                    op for (m, p), op in documented.items() if m == route.method and p.startswith(prefix)
                ]
                assert served, f"{route.method} {route.path} serves no documented operation"
                assert all(op["security"] == expected for op in served), f"{route.method} {route.path}"
                continue
            operation = documented[(route.method, route.path)]
            assert operation["security"] == expected, f"{route.method} {route.path}"


def test_validation_errors_are_documented_as_the_400_the_api_answers(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert set(schemas["ErrorBody"]["properties"]) == {"error"}
    for method, path, operation in operations(document):
        responses = operation["responses"]
        has_input = bool(operation.get("parameters")) or "requestBody" in operation
        if has_input:
            body = responses["400"]["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/ErrorBody"}, f"{method} {path}"
        assert "HTTPValidationError" not in json.dumps(responses), f"{method} {path}"
        assert "429" in responses, f"{method} {path}"
        if operation["security"]:
            assert {"401", "403"} <= set(responses), f"{method} {path}"
        if "requestBody" in operation:
            assert "413" in responses, f"{method} {path}"


def test_no_content_is_declared_on_204_and_redirects(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            if status == "204" or status.startswith("3"):
                assert "content" not in response, f"{method} {path} {status}"


def test_summaries_say_what_the_operation_does(document: dict[str, Any]) -> None:
    summaries = [(f"{method} {path}", op.get("summary", "")) for method, path, op in operations(document)]
    repeating = [key for key, summary in summaries if not summary or summary == key]
    assert repeating == []
    assert dict(summaries)["POST /v1/auth/login"] == "Sign in with email and password"


def test_api_wide_parameter_conventions_are_declared(document: dict[str, Any]) -> None:
    # Then every list's cursor, every time bound and every ISIN parameter says its format
    seen: set[str] = set()
    for method, path, operation in operations(document):
        for parameter in operation.get("parameters", []):
            name, schema = parameter["name"], parameter["schema"]
            if parameter["in"] == "query" and name == "cursor":
                assert schema["format"] == "cursor", f"{method} {path}"
            elif parameter["in"] == "query" and name in {"from", "to"}:
                assert '"format": "date' in json.dumps(schema), f"{method} {path}"
            elif parameter["in"] == "path" and name == "isin":
                assert schema["format"] == "isin", f"{method} {path}"
            else:
                continue
            seen.add(name)
    assert {"cursor", "from", "to", "isin"} <= seen


def test_decimals_and_symbols_in_bodies_say_what_the_server_accepts(document: dict[str, Any]) -> None:
    execution = document["components"]["schemas"]["ExecutionIn"]["properties"]
    # A Decimal's string form is a decimal; a symbol carries the pattern its validator enforces
    assert {"type": "string", "format": "decimal"} in execution["price"]["anyOf"]
    assert execution["symbol"]["pattern"].startswith("^")
    alert = document["components"]["schemas"]["CreateAlertRequest"]["properties"]["symbol"]
    assert "NSE" in alert["pattern"]


def test_the_isin_strategy_of_the_conformance_run_makes_valid_isins() -> None:
    # Given the values the schemathesis run generates for format "isin"
    from hypothesis import given, settings

    from tests.e2e.schemathesis_hooks import ISINS
    from tradetrack.instruments.isin import normalize_isin

    @settings(max_examples=50, deadline=None)
    @given(ISINS)
    def valid(isin: str) -> None:
        # Then each passes the server's own check
        assert normalize_isin(isin) == isin

    valid()


def test_two_functions_models_of_one_name_are_both_documented(document: dict[str, Any]) -> None:
    # Given portfolio and orders each defining a model named HoldingOut (different fields)
    schemas = document["components"]["schemas"]

    def ref(node: dict[str, Any]) -> dict[str, Any]:
        return dict(schemas[node["$ref"].rsplit("/", 1)[1]])

    def ok(path: str) -> dict[str, Any]:
        return ref(
            document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        )

    # Then each route's holdings are documented with its own model, not with the one merged last
    portfolio_holding = ref(ok("/v1/portfolio")["properties"]["holdings"]["items"])
    account = ref(ok("/v1/holdings")["properties"]["accounts"]["items"])
    broker_holding = ref(account["properties"]["items"]["items"])
    assert "unrealizedPnl" in portfolio_holding["properties"]
    assert "isin" in broker_holding["required"]
    assert portfolio_holding != broker_holding
