"""The WebSocket API that `cdk synth` produces from the manifest's `websocket` route keys."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.manifest import FUNCTIONS
from tests.infrastructure.conftest import Synthesized

pytestmark = pytest.mark.infrastructure

# The WebSocket routes' function and those posting to clients from elsewhere (the market feed)
WS_FUNCTIONS = [spec for spec in FUNCTIONS if spec.websocket or spec.posts_to_websocket]


def test_connect_disconnect_and_default_routes_reach_the_connection_function(dev_app: Synthesized) -> None:
    # Given the synthesized WebSocket API
    integrations = dev_app.resources("AWS::ApiGatewayV2::Integration")
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in dev_app.resources("AWS::ApiGatewayV2::Route").values()
    }

    # Then it has the three routes API.md relies on
    assert {"$connect", "$disconnect", "$default"} <= routes.keys()
    # And each manifest route key is a Lambda proxy to the function declaring it (its live alias)
    for spec in WS_FUNCTIONS:
        for key in spec.websocket:
            integration_id = routes[key]["Target"]["Fn::Join"][1][1]["Ref"]
            integration = integrations[integration_id]["Properties"]
            assert integration["IntegrationType"] == "AWS_PROXY"
            assert dev_app.invokes(spec.name, integration["IntegrationUri"])


def test_stage_auto_deploys_throttles_and_logs(dev_app: Synthesized) -> None:
    # Given the WebSocket stage
    (stage,) = dev_app.resources("AWS::ApiGatewayV2::Stage").values()
    props = stage["Properties"]

    # Then route changes deploy themselves, and connections are throttled and logged
    assert props["StageName"] == "dev"
    assert props["AutoDeploy"] is True
    settings = props["DefaultRouteSettings"]
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (100, 200)
    assert settings["LoggingLevel"] == "INFO"
    assert settings["DataTraceEnabled"] is False
    fields = json.loads(props["AccessLogSettings"]["Format"])
    assert {"requestId", "connectionId", "routeKey", "status"} <= fields.keys()


def policy_statements_of(app: Synthesized, function_id: str) -> list[dict[str, Any]]:
    function = app.resources("AWS::Lambda::Function")[function_id]
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for policy in app.resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_connection_function_may_post_to_its_own_stage_connections_only(dev_app: Synthesized) -> None:
    # Given the WebSocket API and the function behind its routes
    (api_id,) = dev_app.resources("AWS::ApiGatewayV2::Api")
    for spec in WS_FUNCTIONS:
        function_id = dev_app.function_id(spec.name)

        # When its permissions are read back
        statements = [
            s
            for s in policy_statements_of(dev_app, function_id)
            if s["Action"] == "execute-api:ManageConnections"
        ]

        # Then it may manage connections of this API's stage, and nothing wider
        (statement,) = statements
        for resource in statement["Resource"]:
            rendered = json.dumps(resource)
            assert api_id in rendered
            assert "/dev/" in rendered
            assert rendered.endswith('/@connections/*"]]}')

        # And it is told where the Management API of that stage lives
        variables = dev_app.resources("AWS::Lambda::Function")[function_id]["Properties"]["Environment"]
        endpoint = json.dumps(variables["Variables"]["WS_MANAGEMENT_ENDPOINT"])
        assert api_id in endpoint
        assert endpoint.startswith('{"Fn::Join": ["", ["https://"')
        assert endpoint.endswith('"/dev"]]}')
