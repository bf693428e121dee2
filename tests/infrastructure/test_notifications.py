"""The Notifications capability that `cdk synth` produces: the notifier's queue, who may send to it,
the SES identity and configuration set, SMS-only publishing, and the unsubscribe key."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infrastructure.conftest import Synthesized
from tests.infrastructure.test_triggers import consumed_by, rules_targeting
from tests.infrastructure.test_websocket_api import policy_statements_of

pytestmark = pytest.mark.infrastructure


def env_of(app: Synthesized, name: str) -> dict[str, Any]:
    props = app.resources("AWS::Lambda::Function")[app.function_id(name)]["Properties"]
    variables: dict[str, Any] = props["Environment"]["Variables"]
    return variables


def statements(app: Synthesized, name: str) -> list[dict[str, Any]]:
    return policy_statements_of(app, app.function_id(name))


def listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_the_notifier_consumes_the_notifications_queue_with_a_dlq_after_three_receives(
    dev_app: Synthesized,
) -> None:
    ((mapping, queue_id, dead_id),) = consumed_by(dev_app, "notifier")
    queue = dev_app.resources("AWS::SQS::Queue")[queue_id]["Properties"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 3
    assert queue["VisibilityTimeout"] == 180
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert dead_id in dev_app.resources("AWS::SQS::Queue")


@pytest.mark.parametrize("producer", ["market_feed", "daily_summary"])
def test_producers_know_the_queue_and_may_only_send_to_it(dev_app: Synthesized, producer: str) -> None:
    ((_, queue_id, _),) = consumed_by(dev_app, "notifier")
    assert env_of(dev_app, producer)["NOTIFICATIONS_QUEUE_URL"] == {"Ref": queue_id}
    sends = [s for s in statements(dev_app, producer) if "sqs:SendMessage" in listed(s["Action"])]
    resources = [r for s in sends for r in listed(s["Resource"])]
    # the notifications queue, and the other queues its manifest entry sends to (market_feed: ws-fanout)
    allowed = {queue_id} | {
        q for c in ("ws_fanout",) if producer == "market_feed" for _, q, _ in consumed_by(dev_app, c)
    }
    assert {"Fn::GetAtt": [queue_id, "Arn"]} in resources
    assert all(r in [{"Fn::GetAtt": [q, "Arn"]} for q in allowed] for r in resources)


def test_the_daily_summary_runs_at_1600_ist_on_weekdays(dev_app: Synthesized) -> None:
    (rule,) = rules_targeting(dev_app, dev_app.function_id("daily_summary")).values()
    assert rule["ScheduleExpression"] == "cron(30 10 ? * MON-FRI *)"


def test_email_goes_out_as_the_stage_identity_through_its_configuration_set(dev_app: Synthesized) -> None:
    ((identity_id, identity),) = dev_app.resources("AWS::SES::EmailIdentity").items()
    ((_, config_set),) = dev_app.resources("AWS::SES::ConfigurationSet").items()
    name = config_set["Properties"]["Name"]
    assert identity["Properties"]["EmailIdentity"] == "tradetrack.example"
    assert identity["Properties"]["ConfigurationSetAttributes"]["ConfigurationSetName"] == {
        "Ref": next(iter(dev_app.resources("AWS::SES::ConfigurationSet")))
    }
    assert name == "tradetrack-dev-notifications"
    variables = env_of(dev_app, "notifier")
    assert variables["NOTIFY_FROM_EMAIL"] == "TradeTrack <alerts@tradetrack.example>"
    assert variables["SES_CONFIGURATION_SET"] == name
    ses = [s for s in statements(dev_app, "notifier") if "ses:SendEmail" in listed(s["Action"])]
    (statement,) = ses
    assert identity_id in json.dumps(statement["Resource"]) and f"configuration-set/{name}" in json.dumps(
        statement["Resource"]
    )
    for other in ("market_feed", "daily_summary", "notifications", "users"):
        assert "ses:" not in json.dumps(statements(dev_app, other))


@pytest.mark.parametrize("sender", ["notifier", "phone"])
def test_sns_publish_is_limited_to_phone_numbers(dev_app: Synthesized, sender: str) -> None:
    # The notifier texts notifications, the phone function its verification codes: SMS only
    sns = [s for s in statements(dev_app, sender) if "sns:Publish" in listed(s["Action"])]
    allow = [s for s in sns if s["Effect"] == "Allow"]
    deny = [s for s in sns if s["Effect"] == "Deny"]
    assert [s["Resource"] for s in allow] == ["*"]
    assert [s["Resource"] for s in deny] == ["arn:aws:sns:*:*:*"]  # every topic and endpoint


def test_only_the_notifier_and_the_inbox_read_the_unsubscribe_key(dev_app: Synthesized) -> None:
    ((secret_id, secret),) = [
        (i, r)
        for i, r in dev_app.resources("AWS::SecretsManager::Secret").items()
        if r["Properties"]["Name"] == "tradetrack/dev/unsubscribe-key"
    ]
    assert "GenerateSecretString" in secret["Properties"]
    readers = {
        spec
        for spec in ("notifier", "notifications", "daily_summary", "market_feed", "auth", "users")
        if secret_id in json.dumps(statements(dev_app, spec))
    }
    assert readers == {"notifier", "notifications"}
    assert env_of(dev_app, "notifications")["UNSUBSCRIBE_SECRET_NAME"] == "tradetrack/dev/unsubscribe-key"
    assert "PUBLIC_API_URL" in env_of(dev_app, "notifier")
