"""The market feed's fan-out that `cdk synth` produces: the ws-fanout queue (one shard per invocation,
partial batch failures, a DLQ with its alarm), who may send to it, and who posts from it."""

from __future__ import annotations

import json

import pytest

from tests.infrastructure.conftest import Synthesized
from tests.infrastructure.test_notifications import env_of, listed, statements
from tests.infrastructure.test_triggers import consumed_by

pytestmark = pytest.mark.infrastructure


def test_ws_fanout_consumes_its_queue_one_shard_at_a_time_with_a_dlq_and_an_alarm(
    dev_app: Synthesized,
) -> None:
    # Given the ws_fanout function's queue
    ((mapping, queue_id, dead_id),) = consumed_by(dev_app, "ws_fanout")
    queue = dev_app.resources("AWS::SQS::Queue")[queue_id]["Properties"]
    # Then each shard is its own invocation, failures are reported per record, a shard is retried
    # twice at most (its quotes go stale) before its dead-letter queue, which alarms at one message
    assert mapping["BatchSize"] == 1
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 3
    assert queue["VisibilityTimeout"] == 15
    dimension = [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dead_id, "QueueName"]}}]
    assert any(
        a["Properties"].get("Dimensions") == dimension and a["Properties"]["Threshold"] == 1
        for a in dev_app.resources("AWS::CloudWatch::Alarm").values()
    )


def test_the_feed_may_send_shards_and_ws_fanout_may_post_to_connections(dev_app: Synthesized) -> None:
    ((_, queue_id, _),) = consumed_by(dev_app, "ws_fanout")
    # The feed knows the queue and may send to it
    assert env_of(dev_app, "market_feed")["WS_FANOUT_QUEUE_URL"] == {"Ref": queue_id}
    sends = [s for s in statements(dev_app, "market_feed") if "sqs:SendMessage" in listed(s["Action"])]
    assert {"Fn::GetAtt": [queue_id, "Arn"]} in [r for s in sends for r in listed(s["Resource"])]
    # ws_fanout may manage the WebSocket stage's connections, and is told its Management API
    (api_id,) = dev_app.resources("AWS::ApiGatewayV2::Api")
    (manage,) = [
        s for s in statements(dev_app, "ws_fanout") if s["Action"] == "execute-api:ManageConnections"
    ]
    assert all(
        api_id in json.dumps(r) and "/@connections/*" in json.dumps(r) for r in listed(manage["Resource"])
    )
    assert api_id in json.dumps(env_of(dev_app, "ws_fanout")["WS_MANAGEMENT_ENDPOINT"])


def test_a_drifted_paper_ledger_pages_ops(dev_app: Synthesized) -> None:
    # Given the market feed, whose pass reconciles the paper accounts it touched and counts the
    # drifted ones as the Powertools metric PaperLedgerDrift (namespace TradeTrack, its service)
    (alarm,) = [
        a["Properties"]
        for a in dev_app.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "PaperLedgerDrift"
    ]
    # Then one drifted account in five minutes alarms, and the alarm goes to the ops topic
    assert alarm["Namespace"] == "TradeTrack"
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "market_feed"}]
    assert (alarm["Threshold"], alarm["Period"], alarm["Statistic"]) == (1, 300, "Sum")
    (topic_id,) = dev_app.resources("AWS::SNS::Topic")
    assert alarm["AlarmActions"] == [{"Ref": topic_id}]
