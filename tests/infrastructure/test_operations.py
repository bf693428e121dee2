"""Operations (issue #17): every alarm notifies the ops topic, composite alarms for "sync stalled" and
"API errors", one dashboard per manifest capability (stack TradeTrackOps-<stage>), X-Ray on every
function, 30-day logs, and the backend stack kept clear of CloudFormation's 500-resource limit."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template

from tests.infrastructure.conftest import Synthesized, synthesize
from tradetrack_infra.operations import OperationsStack
from tradetrack_infra.settings import SettingsError

pytestmark = pytest.mark.infrastructure

CFN_LINT = Path(sys.executable).with_name("cfn-lint")
BACKEND_RESOURCE_BUDGET = 495  # CloudFormation's hard limit is 500 a stack: keep room for a fix
OPS_EMAIL = "ops@example.com"


def ops_stack(app: Synthesized) -> OperationsStack:
    stack = app.stack.node.root.node.find_child(f"TradeTrackOps-{app.stack.settings.stage}")
    assert isinstance(stack, OperationsStack)
    return stack


def topic_id(app: Synthesized) -> str:
    (logical_id,) = app.resources("AWS::SNS::Topic")
    return logical_id


def backend_output_ref(app: Synthesized, value: Any) -> Any:
    """A backend value the ops stack reads by cross-stack reference, as the backend's own expression."""
    output = value["Fn::GetStackOutput"]
    assert output["StackName"] == app.stack.stack_name
    return app.template.to_json()["Outputs"][output["OutputName"]]["Value"]


def alarm_arn_output_ids(app: Synthesized, rule: Any) -> set[str]:
    """The backend alarms (logical ids) a composite alarm's rule names."""
    separator, parts = rule["Fn::Join"]
    assert separator == ""
    ids = set()
    for part in parts:
        if isinstance(part, dict):
            (logical_id, attribute) = backend_output_ref(app, part)["Fn::GetAtt"]
            assert attribute == "Arn"
            ids.add(logical_id)
    return ids


def function_alarm_id(app: Synthesized, name: str) -> str:
    function = app.function_id(name)
    (alarm_id,) = [
        logical_id
        for logical_id, alarm in app.resources("AWS::CloudWatch::Alarm").items()
        if {"Name": "FunctionName", "Value": {"Ref": function}} in alarm["Properties"].get("Dimensions", [])
    ]
    return alarm_id


@pytest.fixture(scope="session")
def emailed_app(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The dev app synthesized with `-c opsEmail=...`."""
    root = tmp_path_factory.mktemp("emailed")
    return synthesize(root / "cdk.out", root / "deps", context={"stage": "dev", "opsEmail": OPS_EMAIL})


def test_every_alarm_notifies_the_ops_topic_on_alarm_and_on_ok(dev_app: Synthesized) -> None:
    # Given the backend stack's metric alarms (functions, REST 5XX, dead letters, sync backlog)
    alarms = dev_app.resources("AWS::CloudWatch::Alarm")
    assert len(alarms) >= len(dev_app.functions) + 1

    # Then each one sends ALARM and OK to the one ops topic
    topic = {"Ref": topic_id(dev_app)}
    for logical_id, alarm in alarms.items():
        assert alarm["Properties"].get("AlarmActions") == [topic], logical_id
        assert alarm["Properties"].get("OKActions") == [topic], logical_id


def test_the_ops_topic_is_kms_encrypted_https_only_and_cloudwatch_may_use_its_key(
    dev_app: Synthesized,
) -> None:
    # Given the ops topic
    (topic,) = dev_app.resources("AWS::SNS::Topic").values()
    key_id = topic["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]
    key = dev_app.resources("AWS::KMS::Key")[key_id]["Properties"]

    # Then its customer managed key rotates and lets CloudWatch encrypt what alarms publish
    assert key["EnableKeyRotation"] is True
    cloudwatch_grants = [
        s for s in key["KeyPolicy"]["Statement"] if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert cloudwatch_grants and set(cloudwatch_grants[0]["Action"]) == {
        "kms:Decrypt",
        "kms:GenerateDataKey*",
    }
    # And its policy denies publishing over plain HTTP
    (policy,) = dev_app.resources("AWS::SNS::TopicPolicy").values()
    denies = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in denies)


def test_the_email_subscription_exists_only_when_ops_email_is_given(
    dev_app: Synthesized, emailed_app: Synthesized
) -> None:
    # Given the app synthesized without and with -c opsEmail
    # Then only the second subscribes that address to the ops topic by email
    assert dev_app.resources("AWS::SNS::Subscription") == {}
    (subscription,) = emailed_app.resources("AWS::SNS::Subscription").values()
    assert subscription["Properties"] == {
        "Protocol": "email",
        "Endpoint": OPS_EMAIL,
        "TopicArn": {"Ref": topic_id(emailed_app)},
    }


def test_synth_without_ops_email_warns_on_stderr(capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # Given no opsEmail in the context, When the app is synthesized
    synthesize(tmp_path / "cdk.out", tmp_path / "deps", context={"stage": "quiet"})

    # Then synth says nobody receives the alarms and how to fix it
    assert "-c opsEmail=" in capfd.readouterr().err


def test_composite_alarms_page_on_sync_stalled_and_api_errors(dev_app: Synthesized) -> None:
    # Given the ops stack's composite alarms
    template = Template.from_stack(ops_stack(dev_app))
    composites = {
        c["Properties"]["AlarmName"]: c["Properties"]
        for c in template.find_resources("AWS::CloudWatch::CompositeAlarm").values()
    }
    assert set(composites) == {"TradeTrack-dev-sync-stalled", "TradeTrack-dev-api-errors"}
    topic = {"Ref": topic_id(dev_app)}

    # Then "sync stalled" is any of: sync backlog, sync dead letters, scheduler or worker errors
    alarms = dev_app.resources("AWS::CloudWatch::Alarm")
    backlog = [
        i for i, a in alarms.items() if a["Properties"].get("MetricName") == "ApproximateAgeOfOldestMessage"
    ]
    sync_dead_letters = [i for i in alarms if re.match(r"QueuesSyncDeadLettersAlarm", i)]
    sync = composites["TradeTrack-dev-sync-stalled"]
    assert alarm_arn_output_ids(dev_app, sync["AlarmRule"]) == {
        *backlog,
        *sync_dead_letters,
        function_alarm_id(dev_app, "sync_scheduler"),
        function_alarm_id(dev_app, "sync_worker"),
    }
    assert len(backlog) == 1 and len(sync_dead_letters) == 1
    assert " OR " in json.dumps(sync["AlarmRule"]) and " AND " not in json.dumps(sync["AlarmRule"])

    # And "API errors" is any of: REST 5XX, errors of every function behind the REST/WebSocket APIs
    (rest_5xx,) = [i for i, a in alarms.items() if a["Properties"].get("MetricName") == "5XXError"]
    behind_api = [s.name for s in dev_app.functions if s.rest or s.websocket or s.name == "authorizer"]
    api = composites["TradeTrack-dev-api-errors"]
    assert alarm_arn_output_ids(dev_app, api["AlarmRule"]) == {
        rest_5xx,
        *(function_alarm_id(dev_app, name) for name in behind_api),
    }
    # And both notify the ops topic, on ALARM and on OK
    for composite in composites.values():
        assert [backend_output_ref(dev_app, a) for a in composite["AlarmActions"]] == [topic]
        assert [backend_output_ref(dev_app, a) for a in composite["OKActions"]] == [topic]


def test_one_dashboard_per_capability_graphs_each_of_its_functions(dev_app: Synthesized) -> None:
    # Given the capabilities of functions/manifest.py
    capabilities = {spec.capability for spec in dev_app.functions}
    template = Template.from_stack(ops_stack(dev_app))
    dashboards = template.find_resources("AWS::CloudWatch::Dashboard")

    # Then the ops stack has one dashboard for each, and the backend stack none
    by_name = {
        d["Properties"]["DashboardName"]: d["Properties"]["DashboardBody"] for d in dashboards.values()
    }
    assert set(by_name) == {f"TradeTrack-dev-{capability}" for capability in capabilities}
    assert dev_app.resources("AWS::CloudWatch::Dashboard") == {}
    # And each dashboard graphs each of its capability's functions, and only those
    for spec in dev_app.functions:
        for capability in capabilities:
            titles = json.dumps(by_name[f"TradeTrack-dev-{capability}"])
            shown = f'\\"title\\":\\"{spec.name}: invocations' in titles
            assert shown == (spec.capability == capability), (spec.name, capability)


def test_every_function_is_traced_and_logs_to_a_30_day_group(dev_app: Synthesized) -> None:
    # Given every Lambda function of the backend stack
    functions = dev_app.resources("AWS::Lambda::Function")
    log_groups = dev_app.resources("AWS::Logs::LogGroup")
    assert len(functions) >= len(dev_app.functions)

    for logical_id, function in functions.items():
        props = function["Properties"]
        # Then X-Ray active tracing is on
        assert props.get("TracingConfig") == {"Mode": "Active"}, logical_id
        # And it logs to its own group, kept 30 days (the dev stage's retention)
        group_id = props["LoggingConfig"]["LogGroup"]["Ref"]
        assert log_groups[group_id]["Properties"]["RetentionInDays"] == 30, logical_id


def test_every_log_group_of_the_backend_keeps_30_days(dev_app: Synthesized) -> None:
    # Given the backend's log groups (functions, REST and WebSocket access logs, ...)
    # Then none keeps logs forever or other than the stage's 30 days
    for logical_id, group in dev_app.resources("AWS::Logs::LogGroup").items():
        assert group["Properties"].get("RetentionInDays") == 30, logical_id


def test_the_backend_stack_stays_under_the_resource_budget(
    dev_app: Synthesized, emailed_app: Synthesized
) -> None:
    # Given both variants of the backend stack
    for app in (dev_app, emailed_app):
        # (`cdk synth` adds one more, CDKMetadata, which an in-process synth leaves out)
        count = len(app.template.to_json()["Resources"]) + 1
        # Then it keeps room under CloudFormation's 500 resources a stack
        assert count <= BACKEND_RESOURCE_BUDGET, count


def test_cfn_lint_finds_nothing_in_the_ops_stack(dev_app: Synthesized) -> None:
    # Given the ops stack's template, When cfn-lint checks it as `make synth` does
    path = dev_app.assembly_dir / ops_stack(dev_app).template_file
    result = subprocess.run(
        [str(CFN_LINT), str(path)], capture_output=True, text=True, check=False, timeout=120
    )

    # Then it reports no error and no warning
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_ops_email_that_is_no_address_is_refused(tmp_path: Path) -> None:
    # Given -c opsEmail with something that is not an email address
    # When the app is synthesized, Then settings refuse it, naming the context key
    with pytest.raises(SettingsError, match="opsEmail"):
        synthesize(
            tmp_path / "cdk.out", tmp_path / "deps", context={"stage": "dev", "opsEmail": "ops at example"}
        )


def test_the_web_stacks_deploy_function_is_traced_and_logs_30_days(dev_app: Synthesized) -> None:
    # Given the web stack's one Lambda function (CDK's BucketDeployment, run at deploy time)
    web = dev_app.stack.node.root.node.find_child(f"TradeTrackWeb-{dev_app.stack.settings.stage}")
    assert isinstance(web, Stack)
    template = Template.from_stack(web)
    ((_, function),) = template.find_resources("AWS::Lambda::Function").items()
    groups = template.find_resources("AWS::Logs::LogGroup")

    # Then it is traced and logs to a group kept the stage's 30 days, as the backend's functions
    assert function["Properties"]["TracingConfig"] == {"Mode": "Active"}
    group_id = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    assert groups[group_id]["Properties"]["RetentionInDays"] == 30
    assert [g["Properties"].get("RetentionInDays") for g in groups.values()] == [30]
