"""The BrokerSync capability that `cdk synth` produces: the token key and who may use it, the broker-apps
and market-data secrets, the sync pipeline's queues, schedule, concurrency and alarms, and the routes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnElement

from functions.manifest import FUNCTIONS, function
from tests.infrastructure.conftest import PROBE, Synthesized, cdk_json_context, fake_deps_layer
from tests.infrastructure.test_notifications import env_of, listed, statements
from tests.infrastructure.test_rest_api import methods_by_route
from tests.infrastructure.test_triggers import consumed_by, rules_targeting
from tradetrack.brokers.registry import LOCAL_STAGE, REGISTRY, secret_template
from tradetrack_infra.app_builder import build_app
from tradetrack_infra.settings import SettingsError, StageSettings

pytestmark = pytest.mark.infrastructure

ALL = [spec.name for spec in FUNCTIONS]


def users_of(need: str) -> set[str]:
    return {spec.name for spec in FUNCTIONS if need in spec.uses}


def allowing(app: Synthesized, name: str, action: str) -> list[Any]:
    """Every resource the function's role allows `action` on."""
    return [
        resource
        for statement in statements(app, name)
        if statement["Effect"] == "Allow" and action in listed(statement["Action"])
        for resource in listed(statement["Resource"])
    ]


def secret_named(app: Synthesized, name: str) -> tuple[str, dict[str, Any]]:
    ((secret_id, secret),) = [
        (i, r)
        for i, r in app.resources("AWS::SecretsManager::Secret").items()
        if r["Properties"]["Name"] == name
    ]
    return secret_id, secret


def test_the_manifest_names_who_needs_what() -> None:
    # The grants below follow `uses`; these are the functions flow 3 and flow 5 expect to have them.
    assert users_of("broker-tokens") == {"brokers", "sync_worker"}
    assert users_of("broker-secrets") == {"brokers", "sync_worker"}
    assert users_of("market-data-secret") == {"market", "market_feed"}


def test_broker_tokens_have_their_own_rotating_key_under_a_stage_alias(dev_app: Synthesized) -> None:
    # Given the broker token key (the other customer-managed key encrypts the ops alarm topic)
    ((key_id, key),) = [
        (k, v) for k, v in dev_app.resources("AWS::KMS::Key").items() if k.startswith("BrokerSync")
    ]
    ((alias,),) = [dev_app.resources("AWS::KMS::Alias").values()]

    # Then it rotates, is named by alias, and (outside prod) goes with the stack after a short window
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["Properties"]["PendingWindowInDays"] == 7
    assert key["DeletionPolicy"] == "Delete"
    assert alias["Properties"]["AliasName"] == "alias/tradetrack-dev-broker-tokens"
    assert alias["Properties"]["TargetKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}


@pytest.mark.parametrize("name", ALL)
def test_only_functions_using_broker_tokens_may_encrypt_and_decrypt_with_the_key(
    dev_app: Synthesized, name: str
) -> None:
    # Given the broker token key (the other key encrypts the ops alarm topic) and a function's permissions
    (key_id,) = [k for k in dev_app.resources("AWS::KMS::Key") if k.startswith("BrokerSync")]
    key_arn = {"Fn::GetAtt": [key_id, "Arn"]}
    kms = [
        s for s in statements(dev_app, name) if any(str(a).startswith("kms:") for a in listed(s["Action"]))
    ]

    if name in users_of("broker-tokens"):
        # Then a user may encrypt and decrypt with that key only, and nothing else in KMS
        (statement,) = kms
        assert sorted(listed(statement["Action"])) == ["kms:Decrypt", "kms:Encrypt"]
        assert statement["Resource"] == key_arn
        assert env_of(dev_app, name)["BROKER_TOKEN_KEY_ID"] == key_arn
    else:
        # And every other function (trades among them) has no KMS permission on that key, nor on
        # every key (other keys, such as the storage data key, are their capabilities' to test)
        assert [s for s in kms if {"*", str(key_arn)} & {str(r) for r in listed(s["Resource"])}] == []
        assert "BROKER_TOKEN_KEY_ID" not in env_of(dev_app, name)


def test_the_trades_function_cannot_decrypt_broker_tokens(dev_app: Synthesized) -> None:
    assert allowing(dev_app, "trades", "kms:Decrypt") == []


def test_the_broker_apps_secret_has_an_entry_per_deployable_registry_row() -> None:
    # Given the broker registry
    template = secret_template()
    # Then the secret CDK creates has each deployable broker's fields, and no local-only broker
    assert template == {
        name: dict.fromkeys(row.secret_fields, "") for name, row in REGISTRY.items() if not row.local_only
    }
    assert "simulated" not in template and template["zerodha"] == {"apiKey": "", "apiSecret": ""}


@pytest.mark.parametrize(
    ("secret_name", "need", "variable", "shape"),
    [
        (
            "tradetrack/dev/broker-apps",
            "broker-secrets",
            "BROKER_SECRET_NAME",
            secret_template(),
        ),
        (
            "tradetrack/dev/market-data",
            "market-data-secret",
            "MARKET_DATA_SECRET_NAME",
            {"apiKey": "", "accessToken": ""},
        ),
    ],
)
def test_ops_filled_secrets_hold_a_placeholder_and_are_read_by_their_users_only(
    dev_app: Synthesized, secret_name: str, need: str, variable: str, shape: dict[str, Any]
) -> None:
    # Given the secret ops fill in after deploy
    secret_id, secret = secret_named(dev_app, secret_name)
    props = secret["Properties"]

    # Then the template holds no value, only the shape to fill in (plus a generated placeholder key)
    assert "SecretString" not in props
    generated = props["GenerateSecretString"]
    assert json.loads(generated["SecretStringTemplate"]) == shape
    assert generated["GenerateStringKey"] not in shape
    # And exactly the functions that use it may read it, and are told its name
    readers = {
        name for name in ALL if {"Ref": secret_id} in allowing(dev_app, name, "secretsmanager:GetSecretValue")
    }
    assert readers == users_of(need)
    for name in ALL:
        assert env_of(dev_app, name).get(variable) == (secret_name if name in readers else None)
    # And nobody may change it from a function
    assert not any(
        {"Ref": secret_id} in allowing(dev_app, name, "secretsmanager:PutSecretValue") for name in ALL
    )


def test_the_callback_knows_the_public_api_url_without_depending_on_the_stage(dev_app: Synthesized) -> None:
    # Given the brokers function, whose OAuth callback URL the broker apps are registered with
    variables = env_of(dev_app, "brokers")
    (rest_api_id,) = dev_app.resources("AWS::ApiGateway::RestApi")
    (stage_id,) = dev_app.resources("AWS::ApiGateway::Stage")

    # Then PUBLIC_API_URL is this API's stage URL, built from the stage name rather than a Ref to the
    # stage (the stage depends on the deployment, which depends on this function's methods)
    url = json.dumps(variables["PUBLIC_API_URL"])
    assert rest_api_id in url and url.endswith('"/dev/"]]}')
    assert stage_id not in url
    # And APP_URL (where the browser goes afterwards) is empty unless context appUrl names the SPA
    assert variables["APP_URL"] == ""
    assert "PUBLIC_API_URL" in env_of(dev_app, "notifier")


def test_the_oauth_callback_is_the_only_broker_route_without_the_authorizer(dev_app: Synthesized) -> None:
    # Given the REST methods of the brokers function
    routes = methods_by_route(dev_app)
    (authorizer_id,) = dev_app.resources("AWS::ApiGateway::Authorizer")
    callback = ("GET", "/v1/broker-accounts/callback/{broker}")

    for route in function("brokers").rest:
        method = routes[(route.method, route.path)]
        if (route.method, route.path) == callback:
            # Then the broker's redirect reaches the function without a bearer token
            assert method["AuthorizationType"] == "NONE"
            assert "AuthorizerId" not in method
        else:
            # And every other broker route needs the access token
            assert method["AuthorizationType"] == "CUSTOM"
            assert method["AuthorizerId"] == {"Ref": authorizer_id}


@pytest.mark.parametrize("name", ALL)
def test_reserved_concurrency_comes_from_the_manifest(dev_app: Synthesized, name: str) -> None:
    props = dev_app.resources("AWS::Lambda::Function")[dev_app.function_id(name)]["Properties"]
    assert props.get("ReservedConcurrentExecutions") == function(name).reserved_concurrency


def test_sync_worker_and_trade_updates_reserve_2_and_10(dev_app: Synthesized) -> None:
    functions = dev_app.resources("AWS::Lambda::Function")
    reserved = {
        name: functions[dev_app.function_id(name)]["Properties"].get("ReservedConcurrentExecutions")
        for name in ("sync_worker", "trade_updates", "brokers", "sync_scheduler")
    }
    assert reserved == {"sync_worker": 2, "trade_updates": 10, "brokers": None, "sync_scheduler": None}


def test_the_scheduler_runs_every_five_minutes(dev_app: Synthesized) -> None:
    (rule,) = rules_targeting(dev_app, dev_app.function_id("sync_scheduler")).values()
    assert rule["ScheduleExpression"] == "rate(5 minutes)"
    assert rule["State"] == "ENABLED"


@pytest.mark.parametrize(
    ("consumer", "queue", "batch", "visibility", "producers"),
    [
        ("sync_worker", "SYNC", 10, 180, {"brokers", "sync_scheduler"}),
        ("trade_updates", "TRADE_UPDATES", 10, 360, {"sync_worker"}),
    ],
)
def test_sync_queues_redrive_after_three_receives_and_alarm_on_dead_letters(
    dev_app: Synthesized, consumer: str, queue: str, batch: int, visibility: int, producers: set[str]
) -> None:
    # Given the queue the consumer reads
    ((mapping, queue_id, dead_id),) = consumed_by(dev_app, consumer)
    props = dev_app.resources("AWS::SQS::Queue")[queue_id]["Properties"]

    # Then it is read in batches of the manifest's size, reporting single failures
    assert mapping["BatchSize"] == batch
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # And outlasts the consumer's timeout, redriving to its DLQ after 3 receives
    assert props["VisibilityTimeout"] == visibility >= function(consumer).timeout_s
    assert props["RedrivePolicy"]["maxReceiveCount"] == 3
    # And one message in the DLQ raises an alarm
    dimension = [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dead_id, "QueueName"]}}]
    (alarm,) = [
        a["Properties"]
        for a in dev_app.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"
        and a["Properties"].get("Dimensions") == dimension
    ]
    assert alarm["Threshold"] == 1
    # And exactly its producers may send to it, and know where it is
    queue_arn = {"Fn::GetAtt": [queue_id, "Arn"]}
    senders = {name for name in ALL if queue_arn in allowing(dev_app, name, "sqs:SendMessage")}
    assert senders == producers
    for name in producers:
        assert env_of(dev_app, name)[f"{queue}_QUEUE_URL"] == {"Ref": queue_id}


def test_a_stuck_sync_queue_raises_an_alarm_observability_watches(dev_app: Synthesized) -> None:
    # Given the sync queue
    ((_, queue_id, _),) = consumed_by(dev_app, "sync_worker")
    dimension = [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}]

    # Then an alarm fires when its oldest message has waited more than 15 minutes
    ((alarm_id, alarm),) = [
        (i, a["Properties"])
        for i, a in dev_app.resources("AWS::CloudWatch::Alarm").items()
        if a["Properties"].get("MetricName") == "ApproximateAgeOfOldestMessage"
    ]
    assert alarm["Dimensions"] == dimension
    assert alarm["Statistic"] == "Maximum"
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (900, "GreaterThanThreshold")
    assert alarm["TreatMissingData"] == "notBreaching"
    # And it is one of the alarms Observability watches
    broker_sync = dev_app.stack.broker_sync
    assert broker_sync is not None
    assert broker_sync.sync_backlog_alarm in dev_app.stack.observability.alarms
    cfn_alarm = broker_sync.sync_backlog_alarm.node.default_child
    assert isinstance(cfn_alarm, CfnElement)
    assert dev_app.stack.resolve(cfn_alarm.logical_id) == alarm_id


def test_an_unknown_use_is_refused_at_synth(tmp_path: Path) -> None:
    # Given a function that uses something no construct grants
    confused = replace(PROBE, uses=("gpu",))
    app = App(context=cdk_json_context(), outdir=str(tmp_path / "out"))

    # When the app is built, Then synth stops naming it
    with pytest.raises(ValueError, match="trigger_probe uses 'gpu'"):
        build_app(
            app,
            functions=(*FUNCTIONS, confused),
            deps_layer_path=fake_deps_layer(tmp_path / "deps"),
            environ={},
        )


def test_app_url_is_an_https_url_without_a_trailing_slash() -> None:
    def app_url(value: str) -> str:
        return StageSettings.from_context(App(context={"appUrl": value}).node).app_url

    assert app_url("https://app.tradetrack.in/") == "https://app.tradetrack.in"
    assert app_url("https://tradetrack.in/app") == "https://tradetrack.in/app"
    assert StageSettings.from_context(App().node).app_url == ""
    for bad in ("http://app.tradetrack.in", "https://app.tradetrack.in/?next=x", "javascript:alert(1)"):
        with pytest.raises(SettingsError, match="appUrl"):
            app_url(bad)


def test_no_deployment_takes_the_local_stacks_stage_name(tmp_path: Path) -> None:
    # Given the stage name on which the layer offers the local-only simulated broker
    app = App(context={**cdk_json_context(), "stage": LOCAL_STAGE}, outdir=str(tmp_path / "out"))
    # When an app is built for it / Then synth stops, saying why
    with pytest.raises(SettingsError, match="local stack"):
        build_app(app, functions=FUNCTIONS, deps_layer_path=fake_deps_layer(tmp_path / "deps"), environ={})
