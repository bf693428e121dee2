"""Canary releases (canary.py): every function behind the APIs and queues is invoked through its
`live` alias, which CodeDeploy shifts 10% for 5 minutes and rolls back on the API and queue alarms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_

from functions.manifest import AUTHORIZER, FUNCTIONS
from tests.infrastructure.conftest import Synthesized
from tradetrack_infra.canary import ALIAS_NAME, CanaryReleases, released
from tradetrack_infra.naming import pascal

pytestmark = pytest.mark.infrastructure

RELEASED = [spec for spec in FUNCTIONS if released(spec)]
CANARY = "CodeDeployDefault.LambdaCanary10Percent5Minutes"


def nested_template(app: Synthesized) -> dict[str, Any]:
    (path,) = Path(app.assembly_dir).glob("*Releases*.nested.template.json")
    template: dict[str, Any] = json.loads(path.read_text())
    return template


def of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {rid: r for rid, r in template["Resources"].items() if r["Type"] == resource_type}


def parameter_for(template: dict[str, Any], reference: Any) -> str:
    """The parent's logical id that a nested-stack parameter (a `referenceto...` Ref) stands for."""
    assert isinstance(reference, dict) and "Ref" in reference, reference
    name: str = reference["Ref"]
    assert name in template["Parameters"], name
    return name


def test_every_function_behind_an_api_or_a_queue_has_a_live_alias(dev_app: Synthesized) -> None:
    # Given the releases nested stack of the dev backend
    nested = nested_template(dev_app)
    aliases = of_type(nested, "AWS::Lambda::Alias")

    # Then the routes' functions, the authorizer and the queue consumers each have one alias `live`
    assert {spec.name for spec in RELEASED} >= {AUTHORIZER, "trades", "ws_connection", "sync_worker"}
    assert len(aliases) == len(RELEASED)
    assert {a["Properties"]["Name"] for a in aliases.values()} == {ALIAS_NAME}
    for spec in RELEASED:
        (alias,) = [a for rid, a in aliases.items() if rid.startswith(f"{pascal(spec.name)}Live")]
        # on a version of its own function, published by this stack
        version_id = alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]
        version = nested["Resources"][version_id]
        assert version["Type"] == "AWS::Lambda::Version"
        assert version["Properties"]["FunctionName"] == alias["Properties"]["FunctionName"]
        assert version["DeletionPolicy"] == "Retain"  # the version rolled back to stays
    # And scheduled-only jobs (no route, no queue) are not canaried
    assert not released(next(spec for spec in FUNCTIONS if spec.name == "market_feed"))


def test_codedeploy_shifts_each_alias_10_percent_for_5_minutes_and_rolls_back(dev_app: Synthesized) -> None:
    # Given the deployment groups of the releases stack
    nested = nested_template(dev_app)
    groups = of_type(nested, "AWS::CodeDeploy::DeploymentGroup")
    aliases = of_type(nested, "AWS::Lambda::Alias")

    # Then there is one per alias, and the alias's updates go through it
    assert len(groups) == len(aliases)
    for alias in aliases.values():
        update = alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
        group = groups[update["DeploymentGroupName"]["Ref"]]
        # canary 10% for 5 minutes, then all
        assert group["Properties"]["DeploymentConfigName"] == CANARY
        # rolled back when it fails, is stopped, or any of its alarms fires
        rollback = group["Properties"]["AutoRollbackConfiguration"]
        assert rollback["Enabled"] is True
        assert set(rollback["Events"]) == {
            "DEPLOYMENT_FAILURE",
            "DEPLOYMENT_STOP_ON_REQUEST",
            "DEPLOYMENT_STOP_ON_ALARM",
        }
        assert group["Properties"]["AlarmConfiguration"]["Enabled"] is True


def test_the_groups_watch_the_function_api_and_queue_alarms(dev_app: Synthesized) -> None:
    # Given the backend's alarms and the groups watching them (alarm names come in as parameters)
    nested = nested_template(dev_app)
    groups = of_type(nested, "AWS::CodeDeploy::DeploymentGroup")
    backend_alarms = dev_app.resources("AWS::CloudWatch::Alarm")
    (rest_5xx,) = [rid for rid in backend_alarms if "RestApi5xx" in rid]

    for spec in RELEASED:
        (group,) = [g for rid, g in groups.items() if rid.startswith(f"{pascal(spec.name)}Deployment")]
        watched = {
            dev_app.parent_id({"Ref": parameter_for(nested, alarm["Name"])})
            for alarm in group["Properties"]["AlarmConfiguration"]["Alarms"]
        }
        assert watched <= set(backend_alarms)
        # Then each watches its function's errors alarm
        assert any(f"{pascal(spec.name)}ErrorsAlarm" in name for name in watched), spec.name
        # And the REST API's 5XX when it serves REST routes or authorizes them
        assert (rest_5xx in watched) is bool(spec.rest or spec.name == AUTHORIZER), spec.name
        # And the dead-letter alarm of every queue it consumes
        for source in spec.queues:
            assert any(f"{pascal(source.queue)}DeadLettersAlarm" in name for name in watched), spec.name
        assert len(watched) <= 10  # CodeDeploy's limit per group


def test_the_apis_authorizers_and_queues_invoke_the_aliases(dev_app: Synthesized) -> None:
    # Given the backend stack and the aliases' outputs of its releases stack
    (nested_id,) = [sid for sid in dev_app.resources("AWS::CloudFormation::Stack") if "Releases" in sid]

    def is_alias_output(value: Any) -> bool:
        text = json.dumps(value)
        return nested_id in text and "Live" in text and "Outputs." in text

    # Then every REST method backed by Lambda calls an alias, not the bare function
    methods = dev_app.with_nested("AWS::ApiGateway::Method").values()
    proxies = [m for m in methods if m["Properties"]["Integration"].get("Type") == "AWS_PROXY"]
    assert len(proxies) == sum(len(spec.rest) for spec in FUNCTIONS)
    assert all(is_alias_output(m["Properties"]["Integration"]["Uri"]) for m in proxies)
    # And so do the WebSocket routes and both authorizers
    ws_integrations = dev_app.resources("AWS::ApiGatewayV2::Integration").values()
    assert ws_integrations
    assert all(is_alias_output(i["Properties"]["IntegrationUri"]) for i in ws_integrations)
    for authorizer in [
        *dev_app.resources("AWS::ApiGateway::Authorizer").values(),
        *dev_app.resources("AWS::ApiGatewayV2::Authorizer").values(),
    ]:
        assert is_alias_output(authorizer["Properties"]["AuthorizerUri"])
    # And API Gateway may invoke those aliases from its two APIs (permissions kept in the nested stack)
    nested = nested_template(dev_app)
    permissions = of_type(nested, "AWS::Lambda::Permission").values()
    invoked = {p["Properties"]["FunctionName"]["Ref"] for p in permissions}
    behind_apis = [spec for spec in RELEASED if spec.rest or spec.websocket or spec.name == AUTHORIZER]
    assert len(invoked) == len(behind_apis)
    assert all(any(rid.startswith(f"{pascal(spec.name)}Live") for rid in invoked) for spec in behind_apis)
    apis = {dev_app.parent_id(p["Properties"]["SourceArn"]["Fn::Join"][1][-2]) for p in permissions}
    assert apis == {
        *dev_app.resources("AWS::ApiGateway::RestApi"),
        *dev_app.resources("AWS::ApiGatewayV2::Api"),
    }
    assert all(p["Properties"]["Principal"] == "apigateway.amazonaws.com" for p in permissions)
    assert not [
        p
        for p in dev_app.resources("AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "apigateway.amazonaws.com"
    ]

    # And each queue's event source maps the queue to its consumer's alias
    mappings = of_type(nested, "AWS::Lambda::EventSourceMapping")
    assert len(mappings) == sum(len(spec.queues) for spec in FUNCTIONS)
    for mapping in mappings.values():
        # (FunctionName "<function>:live", the function's name taken from the alias's ARN)
        joined = mapping["Properties"]["FunctionName"]["Fn::Join"][1]
        assert joined[-1] == f":{ALIAS_NAME}"
        alias = joined[0]["Fn::Select"][1]["Fn::Split"][1]["Ref"]
        assert nested["Resources"][alias]["Type"] == "AWS::Lambda::Alias"
    assert not dev_app.resources("AWS::Lambda::EventSourceMapping")


def _version_ids(environment: dict[str, str]) -> str:
    app = App()
    stack = Stack(app, "Probe")
    function = lambda_.Function(
        stack,
        "Fn",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return 1\n"),
        environment=environment,
    )
    spec = next(spec for spec in FUNCTIONS if spec.name == "health")
    releases = CanaryReleases(
        stack,
        "Releases",
        stage="probe",
        specs=[spec],
        functions={spec.name: function},
        layers=[],
        deployment_config="CANARY_10PERCENT_5MINUTES",
    )
    assert releases.aliases
    (path,) = Path(app.synth().directory).glob("*.nested.template.json")
    template = json.loads(path.read_text())
    (version_id,) = [rid for rid, r in template["Resources"].items() if r["Type"] == "AWS::Lambda::Version"]
    return str(version_id)


def test_a_changed_function_publishes_a_new_version_and_an_unchanged_one_does_not() -> None:
    # Given the same function synthesized twice, then with a changed setting
    first, again = _version_ids({"A": "1"}), _version_ids({"A": "1"})
    changed = _version_ids({"A": "2"})

    # Then the version resource keeps its logical id while nothing changed (no new version)...
    assert first == again
    # ...and gets a new one when the function's configuration changes (a new version, a new canary)
    assert changed != first
