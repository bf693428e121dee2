"""The Auth capability that `cdk synth` produces: authorizers, signing-key stores, grants, first keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App

from functions.manifest import AUTHORIZER, FUNCTIONS
from tests.infrastructure.conftest import Synthesized, cdk_json_context, fake_deps_layer
from tests.infrastructure.test_rest_api import methods_by_route
from tests.infrastructure.test_websocket_api import policy_statements_of
from tradetrack_infra.app_builder import build_app

pytestmark = pytest.mark.infrastructure

PUBLIC_ROUTES: set[tuple[str, str]] = {
    (r.method, r.path) for spec in FUNCTIONS for r in spec.rest if r.public
}
PROTECTED_ROUTES: set[tuple[str, str]] = {
    (r.method, r.path) for spec in FUNCTIONS for r in spec.rest if not r.public
}


def only(app: Synthesized, resource_type: str) -> tuple[str, dict[str, Any]]:
    ((logical_id, resource),) = app.resources(resource_type).items()
    return logical_id, resource["Properties"]


def signing_secret(app: Synthesized) -> tuple[str, dict[str, Any]]:
    """The Auth signing-key secret (other capabilities keep secrets of their own)."""
    ((logical_id, resource),) = [
        (logical_id, resource)
        for logical_id, resource in app.resources("AWS::SecretsManager::Secret").items()
        if resource["Properties"]["Name"] == "tradetrack/dev/auth-signing-keys"
    ]
    return logical_id, resource["Properties"]


def variables_of(app: Synthesized, name: str) -> dict[str, Any]:
    props = app.resources("AWS::Lambda::Function")[app.function_id(name)]["Properties"]
    variables: dict[str, Any] = props["Environment"]["Variables"]
    return variables


def test_every_non_public_route_goes_through_the_request_authorizer(dev_app: Synthesized) -> None:
    # Given the REST API's one authorizer and its methods
    authorizer_id, _ = only(dev_app, "AWS::ApiGateway::Authorizer")
    routes = methods_by_route(dev_app)

    # Then every route the manifest does not mark public is CUSTOM-authorized by it
    assert PROTECTED_ROUTES
    for route in PROTECTED_ROUTES:
        assert routes[route]["AuthorizationType"] == "CUSTOM", route
        assert routes[route]["AuthorizerId"] == {"Ref": authorizer_id}, route
    # And public routes and the ANY fallbacks (CORS preflights, 405s) stay open
    open_routes = PUBLIC_ROUTES | {route for route in routes if route[0] == "ANY"}
    for route in open_routes:
        assert routes[route]["AuthorizationType"] == "NONE", route
        assert "AuthorizerId" not in routes[route], route


def test_rest_authorizer_reads_the_authorization_header_and_caches_for_five_minutes(
    dev_app: Synthesized,
) -> None:
    # Given the REST API's authorizer
    _, props = only(dev_app, "AWS::ApiGateway::Authorizer")

    # Then it is the manifest's authorizer function (its live alias), called with the whole request
    assert props["Type"] == "REQUEST"
    assert dev_app.invokes(AUTHORIZER, props["AuthorizerUri"])
    # And its decision is cached per bearer token for 5 minutes
    assert props["IdentitySource"] == "method.request.header.Authorization"
    assert props["AuthorizerResultTtlInSeconds"] == 300


@pytest.mark.parametrize(
    ("response_type", "status", "code"),
    [("UNAUTHORIZED", "401", "UNAUTHENTICATED"), ("ACCESS_DENIED", "403", "FORBIDDEN")],
)
def test_requests_the_authorizer_refuses_get_the_api_error_body(
    dev_app: Synthesized, response_type: str, status: str, code: str
) -> None:
    # Given API Gateway's response to a missing or invalid token (401) or a denying policy (403)
    (response,) = [
        r["Properties"]
        for r in dev_app.resources("AWS::ApiGateway::GatewayResponse").values()
        if r["Properties"]["ResponseType"] == response_type
    ]

    # When the authorizer has refused the request ("Unauthorized")
    template = response["ResponseTemplates"]["application/json"]
    body = json.loads(template.replace("$context.error.messageString", '"Unauthorized"'))

    # Then the client gets the API.md error shape, readable by a browser
    assert response["StatusCode"] == status
    assert body == {"error": {"code": code, "message": "Unauthorized", "details": []}}
    assert response["ResponseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"] == "'*'"


def test_websocket_connect_is_authorized_by_the_token_query_parameter(dev_app: Synthesized) -> None:
    # Given the WebSocket API's authorizer and routes
    authorizer_id, props = only(dev_app, "AWS::ApiGatewayV2::Authorizer")
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in dev_app.resources("AWS::ApiGatewayV2::Route").values()
    }

    # Then it is the authorizer function (its live alias), reading ?token= (browsers cannot set
    # WebSocket headers)
    assert props["AuthorizerType"] == "REQUEST"
    assert props["IdentitySource"] == ["route.request.querystring.token"]
    assert dev_app.invokes(AUTHORIZER, props["AuthorizerUri"])
    # And $connect uses it, while later frames cannot carry one
    assert routes["$connect"]["AuthorizationType"] == "CUSTOM"
    assert routes["$connect"]["AuthorizerId"] == {"Ref": authorizer_id}
    for key in ("$disconnect", "$default"):
        assert routes[key].get("AuthorizationType", "NONE") == "NONE"


def test_signing_keys_are_a_secret_and_public_keys_a_parameter_named_by_stage(dev_app: Synthesized) -> None:
    # Given the Auth key stores
    _, secret = signing_secret(dev_app)
    _, parameter = only(dev_app, "AWS::SSM::Parameter")

    # Then the private key set starts as a generated placeholder, the public keys as an empty set
    assert secret["Name"] == "tradetrack/dev/auth-signing-keys"
    assert "GenerateSecretString" in secret
    assert "SecretString" not in secret
    assert parameter["Name"] == "/tradetrack/dev/auth/public-keys"
    assert (parameter["Type"], parameter["Value"]) == ("String", "{}")


def test_auth_functions_are_told_where_the_keys_are(dev_app: Synthesized) -> None:
    # Given the stores' logical ids
    secret_ref = {"Ref": signing_secret(dev_app)[0]}
    parameter_ref = {"Ref": only(dev_app, "AWS::SSM::Parameter")[0]}
    issuer, authorizer, rotator = (variables_of(dev_app, n) for n in ("auth", AUTHORIZER, "auth_keys"))

    # Then each function gets only the locations it uses, and auth hashes at bcrypt cost 12
    assert issuer["AUTH_SIGNING_SECRET_NAME"] == "tradetrack/dev/auth-signing-keys"
    assert issuer["BCRYPT_COST"] == "12"
    assert authorizer["AUTH_PUBLIC_KEYS_PARAMETER"] == parameter_ref
    assert "AUTH_SIGNING_SECRET_NAME" not in authorizer
    assert rotator["AUTH_SIGNING_SECRET_NAME"] == "tradetrack/dev/auth-signing-keys"
    assert rotator["AUTH_PUBLIC_KEYS_PARAMETER"] == parameter_ref
    assert secret_ref not in issuer.values()  # a name, not the ARN: tradetrack.config reads a name


def actions_on(statements: list[dict[str, Any]], resource: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for statement in statements:
        resources = (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
        if any(json.dumps(resource) in json.dumps(r) for r in resources):
            actions = statement["Action"]
            found |= set(actions if isinstance(actions, list) else [actions])
    return found


def test_only_the_issuer_and_the_rotator_may_read_the_private_keys(dev_app: Synthesized) -> None:
    # Given the stores and each Auth function's permissions
    secret_ref = {"Ref": signing_secret(dev_app)[0]}
    parameter_ref = {"Ref": only(dev_app, "AWS::SSM::Parameter")[0]}
    issuer, authorizer, rotator = (
        policy_statements_of(dev_app, dev_app.function_id(n)) for n in ("auth", AUTHORIZER, "auth_keys")
    )

    # Then the authorizer can read the public keys, and nothing of the private secret
    assert json.dumps(secret_ref) not in json.dumps(authorizer)
    assert "ssm:GetParameter" in actions_on(authorizer, parameter_ref)
    assert not {a for a in actions_on(authorizer, parameter_ref) if a.startswith("ssm:Put")}
    # And auth reads the secret but cannot change it
    assert actions_on(issuer, secret_ref) == {
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
    }
    assert json.dumps(parameter_ref) not in json.dumps(issuer)
    # And auth_keys reads and writes the secret and publishes the public keys
    assert {"secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"} <= actions_on(
        rotator, secret_ref
    )
    assert "ssm:PutParameter" in actions_on(rotator, parameter_ref)


def test_first_deploy_creates_the_keys_through_auth_keys(dev_app: Synthesized) -> None:
    # Given the custom resource and the framework function behind its service token
    ((_, resource),) = dev_app.template.find_resources("Custom::AuthSigningKeys").items()
    props = resource["Properties"]
    relay_id = props["ServiceToken"]["Fn::GetAtt"][0]
    relay = dev_app.resources("AWS::Lambda::Function")[relay_id]["Properties"]

    # Then it relays CloudFormation's events to auth_keys
    target = relay["Environment"]["Variables"]["USER_ON_EVENT_FUNCTION_ARN"]
    assert target == {"Fn::GetAtt": [dev_app.function_id("auth_keys"), "Arn"]}
    # And it runs after the secret and the parameter exist (it references both)
    secret_id = signing_secret(dev_app)[0]
    parameter_id = only(dev_app, "AWS::SSM::Parameter")[0]
    assert props["SigningSecretArn"] == {"Ref": secret_id}
    assert props["PublicKeysParameter"] == {"Ref": parameter_id}
    # And nothing in it changes per deploy (rotation is the monthly schedule's job)
    assert set(props) == {"ServiceToken", "SigningSecretArn", "PublicKeysParameter"}


def test_a_manifest_with_protected_routes_but_no_authorizer_is_refused(tmp_path: Path) -> None:
    # Given a manifest without the authorizer function, but with non-public routes
    functions = tuple(spec for spec in FUNCTIONS if spec.name != AUTHORIZER)
    app = App(context={**cdk_json_context(), "stage": "dev"}, outdir=str(tmp_path / "out"))

    # When the app is built, Then it stops instead of leaving those routes open
    with pytest.raises(ValueError, match="authorizer"):
        build_app(app, functions=functions, deps_layer_path=fake_deps_layer(tmp_path / "deps"), environ={})


def test_the_rotation_schedule_still_targets_auth_keys(dev_app: Synthesized) -> None:
    # Given the EventBridge rules
    rules = [r["Properties"] for r in dev_app.resources("AWS::Events::Rule").values()]

    # Then auth_keys rotates on the manifest's schedule, independently of deploys
    (rotation,) = [r for r in rules if dev_app.function_id("auth_keys") in json.dumps(r["Targets"])]
    assert rotation["ScheduleExpression"] == "rate(30 days)"
