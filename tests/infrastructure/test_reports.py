"""The reports function in the backend stack: its files go to TradeTrackStorage's reports bucket,
named through the storage stack's SSM parameters, with grants on that bucket's reports/ prefix and
that key only (cdk/tradetrack_infra/reports.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infrastructure.conftest import Synthesized
from tests.infrastructure.test_notifications import env_of
from tests.infrastructure.test_websocket_api import policy_statements_of

pytestmark = pytest.mark.infrastructure


def listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def parameter_names(app: Synthesized) -> dict[str, str]:
    """The template's SSM-backed parameters: logical id → the SSM parameter name it reads."""
    parameters = app.template.to_json().get("Parameters", {})
    return {
        logical_id: str(parameter["Default"])
        for logical_id, parameter in parameters.items()
        if str(parameter.get("Type", "")).startswith("AWS::SSM::Parameter::Value")
    }


def test_the_reports_function_writes_to_the_storage_stacks_reports_bucket(dev_app: Synthesized) -> None:
    # Given the dev backend and the SSM parameters TradeTrackStorage-dev publishes
    names = parameter_names(dev_app)
    env = env_of(dev_app, "reports")
    # Then the backend deploys after the storage stack, and the bucket and the KMS key come from those
    # parameters
    assert "TradeTrackStorage-dev" in {stack.stack_name for stack in dev_app.stack.dependencies}
    assert names[env["REPORTS_BUCKET"]["Ref"]] == "/tradetrack/dev/storage/reports-bucket"
    assert names[env["REPORTS_KMS_KEY_ID"]["Ref"]] == "/tradetrack/dev/storage/data-key-arn"
    # And the function may put and get objects under reports/ of that bucket, and nothing more of S3
    statements = policy_statements_of(dev_app, dev_app.function_id("reports"))
    s3 = [s for s in statements if any(str(a).startswith("s3:") for a in listed(s["Action"]))]
    assert len(s3) == 1 and sorted(listed(s3[0]["Action"])) == ["s3:GetObject", "s3:PutObject"]
    resource = json.dumps(s3[0]["Resource"])
    assert env["REPORTS_BUCKET"]["Ref"] in resource and resource.endswith('/reports/*"]]}')
    # And use that key (SSE-KMS) and no other
    kms = [s for s in statements if any(str(a).startswith("kms:") for a in listed(s["Action"]))]
    assert [(sorted(listed(s["Action"])), s["Resource"]) for s in kms] == [
        (["kms:Decrypt", "kms:GenerateDataKey"], env["REPORTS_KMS_KEY_ID"])
    ]


def test_the_reports_queue_redrives_after_three_receives_and_the_routes_exist(dev_app: Synthesized) -> None:
    # Given the queues of the Reports queue construct (Queues/Reports/...)
    queues = dev_app.resources("AWS::SQS::Queue")
    reports = [q["Properties"] for logical_id, q in queues.items()
               if logical_id.startswith("QueuesReports") and "RedrivePolicy" in q["Properties"]]  # fmt: skip
    # Then one queue, with its dead-letter queue after three receives, 360 s visibility
    assert [(q["RedrivePolicy"]["maxReceiveCount"], q["VisibilityTimeout"]) for q in reports] == [(3, 360)]
    # And the REST API has /v1/reports and /v1/reports/{reportId}
    paths = {r["Properties"]["PathPart"] for r in dev_app.with_nested("AWS::ApiGateway::Resource").values()}
    assert {"reports", "{reportId}"} <= paths
