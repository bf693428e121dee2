"""Queues and schedules declared in the manifest become SQS queues with DLQs and EventBridge rules."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App

from functions.manifest import FUNCTIONS, QueueSource
from tests.infrastructure.conftest import PROBE, PROBE_CONTEXT, Synthesized, cdk_json_context, fake_deps_layer
from tradetrack_infra.app_builder import build_app

pytestmark = pytest.mark.infrastructure


def consumed_by(app: Synthesized, name: str) -> list[tuple[dict[str, Any], str, str]]:
    """(event source mapping, queue id, dead-letter queue id) for each queue the function consumes
    (the mappings invoke its live alias, in the canary releases' nested stack: canary.py)."""
    found = []
    for mapping in app.nested_resources("AWS::Lambda::EventSourceMapping").values():
        props = mapping["Properties"]
        if app.invokes(name, props["FunctionName"]):
            queue_id = app.parent_id(props["EventSourceArn"])
            redrive = app.resources("AWS::SQS::Queue")[queue_id]["Properties"]["RedrivePolicy"]
            found.append((props, queue_id, redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]))
    return found


def test_queue_source_gets_a_queue_with_a_dead_letter_queue(probe_app: Synthesized) -> None:
    # Given a function consuming the queue "probe-jobs" (max 4 receives, 180 s visibility)
    ((_, queue_id, dead_id),) = consumed_by(probe_app, PROBE.name)
    sqs_queues = probe_app.resources("AWS::SQS::Queue")
    queue = sqs_queues[queue_id]["Properties"]
    dead_letters = sqs_queues[dead_id]["Properties"]

    # Then the queue redrives to its own dead-letter queue after 4 receives
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 4
    assert queue["VisibilityTimeout"] == 180
    # And both are encrypted at rest, the dead letters kept 14 days
    assert queue["SqsManagedSseEnabled"] is True
    assert dead_letters["SqsManagedSseEnabled"] is True
    assert dead_letters["MessageRetentionPeriod"] == 14 * 24 * 3600
    # And both refuse requests without TLS
    denied = {
        queue_ref["Ref"]
        for policy in probe_app.resources("AWS::SQS::QueuePolicy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Deny"
        and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for queue_ref in policy["Properties"]["Queues"]
    }
    assert {queue_id, dead_id} <= denied


def test_consumer_reports_partial_batch_failures(probe_app: Synthesized) -> None:
    # Given the queue and the function consuming it
    # When the event source mapping is read back
    ((mapping, _, _),) = consumed_by(probe_app, PROBE.name)

    # Then the function gets batches of the configured size and can fail single messages
    assert mapping["BatchSize"] == 5
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_dead_letters_raise_an_alarm(probe_app: Synthesized) -> None:
    # Given the dead-letter queue
    ((_, _, dead_id),) = consumed_by(probe_app, PROBE.name)

    # Then an alarm fires as soon as one message is in it
    dimension = [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dead_id, "QueueName"]}}]
    (alarm,) = [
        a["Properties"]
        for a in probe_app.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"
        and a["Properties"].get("Dimensions") == dimension
    ]
    assert alarm["Threshold"] == 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_every_manifest_queue_is_consumed_by_its_function(dev_app: Synthesized) -> None:
    # Given the app synthesized from the real manifest
    for spec in FUNCTIONS:
        # When the queues each function consumes are read back
        mappings = consumed_by(dev_app, spec.name)

        # Then there is one per QueueSource, reporting partial batch failures
        assert sorted(m["BatchSize"] for m, _, _ in mappings) == sorted(q.batch_size for q in spec.queues)
        assert all(m["FunctionResponseTypes"] == ["ReportBatchItemFailures"] for m, _, _ in mappings)


def rules_targeting(app: Synthesized, function_id: str) -> dict[str, dict[str, Any]]:
    return {
        rule_id: rule["Properties"]
        for rule_id, rule in app.resources("AWS::Events::Rule").items()
        if {"Fn::GetAtt": [function_id, "Arn"]} in [t["Arn"] for t in rule["Properties"]["Targets"]]
    }


def test_schedule_invokes_its_function(probe_app: Synthesized) -> None:
    # Given a function with the schedule "rate(5 minutes)"
    function_id = probe_app.function_id(PROBE.name)

    # When the rules targeting it are read back
    ((rule_id, rule),) = rules_targeting(probe_app, function_id).items()

    # Then one enabled rule fires on that schedule, retrying twice, and EventBridge may invoke it
    assert rule["ScheduleExpression"] == "rate(5 minutes)"
    assert rule["State"] == "ENABLED"
    (target,) = rule["Targets"]
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 2
    permissions = [
        p["Properties"]
        for p in probe_app.resources("AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "events.amazonaws.com"
        and p["Properties"]["FunctionName"] == {"Fn::GetAtt": [function_id, "Arn"]}
    ]
    assert permissions == [
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Fn::GetAtt": [function_id, "Arn"]},
            "Principal": "events.amazonaws.com",
            "SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]},
        }
    ]


def test_every_manifest_schedule_is_a_rule(dev_app: Synthesized) -> None:
    # Given the app synthesized from the real manifest
    for spec in FUNCTIONS:
        # When the rules targeting each function are read back
        expressions = sorted(
            rule["ScheduleExpression"]
            for rule in rules_targeting(dev_app, dev_app.function_id(spec.name)).values()
        )

        # Then they are exactly the function's schedules
        assert expressions == sorted(schedule.expression for schedule in spec.schedules)


def test_context_settings_replace_the_deploy_time_parameters(probe_app: Synthesized) -> None:
    # Given Mongo's secret ARN and the Redis URL in context (stage "probe")
    template = probe_app.template.to_json()
    props = probe_app.resources("AWS::Lambda::Function")[probe_app.function_id(PROBE.name)]["Properties"]

    # Then the stack asks for nothing at deploy time: any parameter besides CDK's BootstrapVersion is
    # read from SSM by CloudFormation itself (the storage stack's names, deployed before it)
    parameters = template.get("Parameters", {})
    from_ssm = {
        name: parameter["Default"]
        for name, parameter in parameters.items()
        if str(parameter.get("Type", "")).startswith("AWS::SSM::Parameter::Value")
        and name != "BootstrapVersion"
    }
    assert set(parameters) - set(from_ssm) <= {"BootstrapVersion"}
    assert all(str(path).startswith("/tradetrack/probe/storage/") for path in from_ssm.values())
    # And the functions get the given values
    variables = props["Environment"]["Variables"]
    assert variables["REDIS_URL"] == PROBE_CONTEXT["redisUrl"]
    assert variables["MONGODB_URI_SECRET_ARN"] == PROBE_CONTEXT["mongoUriSecretArn"]
    assert variables["STAGE"] == "probe"
    # And the function may read that one secret and no other
    role_id = props["Role"]["Fn::GetAtt"][0]
    reads = [
        statement["Resource"]
        for policy in probe_app.resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "secretsmanager:GetSecretValue" in json.dumps(statement["Action"])
    ]
    assert reads == [PROBE_CONTEXT["mongoUriSecretArn"]]


def test_queue_visibility_shorter_than_the_function_timeout_is_refused(tmp_path: Path) -> None:
    # Given a consumer whose timeout outlasts its queue's visibility timeout
    slow = replace(PROBE, timeout_s=120, queues=(QueueSource("slow-jobs", visibility_timeout_s=60),))
    app = App(context=cdk_json_context(), outdir=str(tmp_path / "out"))

    # When the app is built, Then synth stops before SQS would redeliver in-flight messages
    with pytest.raises(ValueError, match="visibility timeout 60s is shorter"):
        build_app(
            app, functions=(*FUNCTIONS, slow), deps_layer_path=fake_deps_layer(tmp_path / "deps"), environ={}
        )
