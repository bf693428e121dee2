"""The REST API's resources and methods live in nested stacks (api_routes.py), chosen by path alone,
and the stage still redeploys whenever a route changes."""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from functions.manifest import FUNCTIONS, RestRoute
from tests.infrastructure.conftest import Synthesized, cdk_json_context
from tests.infrastructure.test_rest_api import MANIFEST_ROUTES, resource_paths
from tradetrack_infra.api import Api, RouteTarget
from tradetrack_infra.api_routes import ROUTE_STACKS, group_of, stack_for
from tradetrack_infra.settings import StageSettings

pytestmark = pytest.mark.infrastructure


def route_stack_name(stack_id: str) -> str | None:
    """The ROUTE_STACKS name of a nested stack from the backend's logical id of it; None: not one."""
    return next((name for name, _ in ROUTE_STACKS if stack_id.startswith(f"Api{name}NestedStack")), None)


@pytest.mark.parametrize(
    ("path", "group", "stack"),
    [
        ("/v1/trades/{tradeId}", "/v1/trades", "RoutesEToZ"),
        ("/v1/analytics/summary", "/v1/analytics", "RoutesAToD"),
        ("/v1/Data-quality", "/v1/Data-quality", "RoutesAToD"),
        ("/v1/{proxy+}", "/v1/{proxy+}", ROUTE_STACKS[-1][0]),
        ("/v1", None, None),
        ("/", None, None),
    ],
)
def test_a_path_names_its_route_stack(path: str, group: str | None, stack: str | None) -> None:
    # Given a REST path
    # When its group (the top resource below /v1) and that group's stack are asked for
    # Then they follow from the path alone; /v1 and / stay in the backend stack
    assert group_of(path) == group
    if group is not None:
        assert stack_for(group) == stack


def test_the_route_stacks_cover_every_letter_once() -> None:
    # Given the route stacks' letters
    letters = [letter for _, held in ROUTE_STACKS for letter in held]

    # Then each lowercase letter belongs to exactly one stack, so no path could go to two
    assert sorted(letters) == list(string.ascii_lowercase)
    assert len({name for name, _ in ROUTE_STACKS}) == len(ROUTE_STACKS)


def test_every_method_lives_in_the_route_stack_its_path_names(dev_app: Synthesized) -> None:
    # Given the dev app's resource paths (backend and nested stacks read as one)
    paths = resource_paths(dev_app)

    # When the methods of each nested route stack are read back
    placed: dict[tuple[str, str], str] = {}
    for stack_id, template in dev_app.nested_templates().items():
        name = route_stack_name(stack_id)
        if name is None:
            continue
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::ApiGateway::Method":
                props = resource["Properties"]
                path = paths[props["ResourceId"]["Ref"]]
                placed[(props["HttpMethod"], path)] = name

    # Then every manifest route (and its path's ANY) is in exactly the stack its path names
    assert placed.keys() >= MANIFEST_ROUTES
    for (_, path), name in placed.items():
        group = group_of(path)
        assert group is not None and stack_for(group) == name, path
    assert len(placed) == len(dev_app.with_nested("AWS::ApiGateway::Method"))


def test_the_deployment_waits_for_every_route_stack(dev_app: Synthesized) -> None:
    # Given the backend's REST deployment and its nested route stacks
    ((deployment_id, deployment),) = dev_app.resources("AWS::ApiGateway::Deployment").items()
    route_stacks = {sid for sid in dev_app.resources("AWS::CloudFormation::Stack") if route_stack_name(sid)}

    # Then it deploys after all of them (a stage never points at a half-built API)
    assert route_stacks
    assert route_stacks <= set(deployment["DependsOn"])
    # And the stage serves that deployment
    (stage,) = dev_app.resources("AWS::ApiGateway::Stage").values()
    assert stage["Properties"]["DeploymentId"] == {"Ref": deployment_id}


HEALTH = next(spec for spec in FUNCTIONS if spec.name == "health")


def deployment_of(routes: Sequence[RestRoute]) -> tuple[str, dict[str, Any]]:
    """The REST deployment's logical id and the routes' nested templates, for an API of `routes`
    served by one (imported) function: the Api construct alone, in a stack of its own."""
    app = App(context={**cdk_json_context(), "stage": "dev"})
    stack = Stack(app, "RoutesProbe", env=Environment(account="123456789012", region="ap-south-1"))
    function = lambda_.Function.from_function_arn(
        stack, "Health", "arn:aws:lambda:ap-south-1:123456789012:function:health"
    )
    api = Api(
        stack,
        "Api",
        settings=StageSettings.from_context(app.node, "dev"),
        routes=[RouteTarget(route, function) for route in routes],
        logging_account=None,
    )
    template = Template.from_stack(stack).to_json()
    (deployment_id,) = [
        rid for rid, r in template["Resources"].items() if r["Type"] == "AWS::ApiGateway::Deployment"
    ]
    nested = {name: Template.from_stack(routes).to_json() for name, routes in api.route_stacks.items()}
    return deployment_id, nested


def test_a_changed_route_in_a_nested_stack_redeploys_the_stage() -> None:
    # Given an API serving GET /v1/health, synthesized twice
    first, first_nested = deployment_of(HEALTH.rest)
    again, again_nested = deployment_of(HEALTH.rest)
    # Then the same routes give the same deployment (no redeploy on an unchanged synth)
    assert (first, first_nested) == (again, again_nested)

    # When the route's method changes (only the nested stack's method differs)
    changed, changed_nested = deployment_of([replace(route, method="POST") for route in HEALTH.rest])
    # Then the deployment is a new one (CloudFormation creates it: the stage serves the change)
    assert changed_nested != first_nested
    assert changed != first

    # And adding a route below an existing path redeploys too
    added, _ = deployment_of([*HEALTH.rest, RestRoute("GET", "/v1/health/deep", public=True)])
    assert added not in {first, changed}
