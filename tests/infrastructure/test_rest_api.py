"""The REST API that `cdk synth` produces: routes from the manifest, stage limits, error shapes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.manifest import FUNCTIONS
from local.authorizer import AUTHORIZER_UNAVAILABLE
from tests.infrastructure.conftest import Synthesized

pytestmark = pytest.mark.infrastructure

MANIFEST_ROUTES = {(route.method, route.path) for spec in FUNCTIONS for route in spec.rest}


def resource_paths(app: Synthesized) -> dict[str, str]:
    """Logical id of every AWS::ApiGateway::Resource -> its full path ("/v1/health"), wherever it
    lives (the backend holds /v1, its nested route stacks the rest: api_routes.py)."""
    resources = app.with_nested("AWS::ApiGateway::Resource")

    def path_of(logical_id: str) -> str:
        props = resources[logical_id]["Properties"]
        parent = props["ParentId"]
        prefix = path_of(parent["Ref"]) if "Ref" in parent else ""
        return f"{prefix}/{props['PathPart']}"

    return {logical_id: path_of(logical_id) for logical_id in resources}


def methods_by_route(app: Synthesized) -> dict[tuple[str, str], dict[str, Any]]:
    paths = resource_paths(app)
    routes: dict[tuple[str, str], dict[str, Any]] = {}
    for method in app.with_nested("AWS::ApiGateway::Method").values():
        props = method["Properties"]
        resource = props["ResourceId"]
        path = paths[resource["Ref"]] if "Ref" in resource else "/"
        routes[(props["HttpMethod"], path)] = props
    return routes


def test_every_manifest_route_is_a_method_proxying_to_its_function(dev_app: Synthesized) -> None:
    # Given the app synthesized from functions/manifest.py
    # When the API's methods are read back as (method, path)
    routes = methods_by_route(dev_app)
    served = {route for route in routes if route[0] != "ANY"}

    # Then exactly the manifest's routes are served, each by a Lambda proxy to the function declaring it
    # (its live alias, which canary deploys shift: canary.py)
    assert served == MANIFEST_ROUTES
    for spec in FUNCTIONS:
        for route in spec.rest:
            integration = routes[(route.method, route.path)]["Integration"]
            assert integration["Type"] == "AWS_PROXY"
            assert dev_app.invokes(spec.name, integration["Uri"])


def test_every_route_validates_requests_and_has_a_fallback_for_other_methods(dev_app: Synthesized) -> None:
    # Given the synthesized API
    routes = methods_by_route(dev_app)
    validators = dev_app.resources("AWS::ApiGateway::RequestValidator")

    # Then one validator checks bodies and parameters, and every route uses it
    ((validator_id, validator),) = validators.items()
    assert validator["Properties"]["ValidateRequestBody"] is True
    assert validator["Properties"]["ValidateRequestParameters"] is True
    validator_ref = {"Ref": validator_id}
    for method, path in MANIFEST_ROUTES:
        assert routes[(method, path)]["RequestValidatorId"] == validator_ref
        # And other methods on the same path (a browser's preflight included) reach its ANY method
        assert ("ANY", path) in routes


def test_stage_throttles_and_writes_json_access_logs_and_execution_logs(dev_app: Synthesized) -> None:
    # Given the REST stage
    (stage,) = dev_app.resources("AWS::ApiGateway::Stage").values()
    props = stage["Properties"]

    # Then it is named after the stage and throttles at 100 rps with bursts of 200
    assert props["StageName"] == "dev"
    (settings,) = props["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == 100
    assert settings["ThrottlingBurstLimit"] == 200
    # And every method logs execution (without bodies) and metrics
    assert (settings["HttpMethod"], settings["ResourcePath"]) == ("*", "/*")
    assert settings["LoggingLevel"] == "INFO"
    assert settings["DataTraceEnabled"] is False
    assert settings["MetricsEnabled"] is True
    assert props["TracingEnabled"] is True
    # And access logs go to a log group of this stack, one JSON object per request
    access = props["AccessLogSetting"]
    assert any(
        isinstance(part, dict) and part.get("Ref") in dev_app.resources("AWS::Logs::LogGroup")
        for part in access["DestinationArn"]["Fn::Join"][1]
    )
    fields = json.loads(access["Format"])
    assert fields["requestId"] == "$context.requestId"
    assert {"status", "ip", "httpMethod", "resourcePath", "integrationLatency"} <= fields.keys()


def gateway_responses(app: Synthesized) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in app.resources("AWS::ApiGateway::GatewayResponse").values()
    }


def render(template: str) -> Any:
    """What a client receives: API Gateway substitutes the (already quoted) message string."""
    return json.loads(template.replace("$context.error.messageString", '"Some gateway message"'))


def test_unknown_route_is_a_404_in_the_api_error_shape(dev_app: Synthesized) -> None:
    # Given API Gateway's response for a path no method serves ("Missing Authentication Token", 403)
    response = gateway_responses(dev_app)["MISSING_AUTHENTICATION_TOKEN"]

    # When a client receives it
    body = render(response["ResponseTemplates"]["application/json"])

    # Then it is a 404 with the API.md error body
    assert response["StatusCode"] == "404"
    assert body == {
        "error": {"code": "NOT_FOUND", "message": "No route matches this method and path", "details": []}
    }


@pytest.mark.parametrize(
    ("response_type", "status", "code"),
    [
        ("DEFAULT_4XX", None, "BAD_REQUEST"),
        ("DEFAULT_5XX", None, "INTERNAL_ERROR"),
        ("BAD_REQUEST_BODY", "400", "VALIDATION_ERROR"),
        ("UNAUTHORIZED", "401", "UNAUTHENTICATED"),
        ("ACCESS_DENIED", "403", "FORBIDDEN"),
        ("REQUEST_TOO_LARGE", "413", "PAYLOAD_TOO_LARGE"),
        ("THROTTLED", "429", "RATE_LIMITED"),
    ],
)
def test_gateway_errors_use_the_api_error_shape(
    dev_app: Synthesized, response_type: str, status: str | None, code: str
) -> None:
    # Given one of API Gateway's own error responses
    response = gateway_responses(dev_app)[response_type]

    # When a client receives it
    body = render(response["ResponseTemplates"]["application/json"])

    # Then status and body follow API.md, and a browser may read it
    assert response.get("StatusCode") == status
    assert body == {"error": {"code": code, "message": "Some gateway message", "details": []}}
    assert response["ResponseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"] == "'*'"


def test_throttled_clients_are_told_when_to_retry(dev_app: Synthesized) -> None:
    # Given the response API Gateway sends when the stage throttles
    response = gateway_responses(dev_app)["THROTTLED"]

    # Then it carries Retry-After, as API.md asks of every 429
    assert response["ResponseParameters"]["gatewayresponse.header.Retry-After"] == "'1'"


def test_an_authorizer_that_cannot_decide_is_a_retryable_503(dev_app: Synthesized) -> None:
    # Given the response API Gateway sends when the authorizer raises (its stores unreachable)
    response = gateway_responses(dev_app)["AUTHORIZER_FAILURE"]

    # When a client receives it
    body = render(response["ResponseTemplates"]["application/json"])

    # Then it is a 503 to retry after 5 s (a 401 would sign the user out), as the local stack answers
    assert response["StatusCode"] == "503"
    assert response["ResponseParameters"]["gatewayresponse.header.Retry-After"] == "'5'"
    assert body["error"]["code"] == "DEPENDENCY_UNAVAILABLE"
    assert body["error"]["message"] == AUTHORIZER_UNAVAILABLE.message
    assert AUTHORIZER_UNAVAILABLE.status == 503 and AUTHORIZER_UNAVAILABLE.headers == (("Retry-After", "5"),)
