"""The uploaded imports' bucket (cdk/tradetrack_infra/imports.py): tradebooks are personal financial
data, so the bucket encrypts with the storage stack's data key, and only the two import functions
may use that key, each for what its S3 actions need."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infrastructure.conftest import Synthesized
from tests.infrastructure.test_reports import listed, parameter_names
from tests.infrastructure.test_websocket_api import policy_statements_of

pytestmark = pytest.mark.infrastructure


def uploads_bucket(app: Synthesized) -> dict[str, Any]:
    (bucket,) = [
        dict(resource["Properties"])
        for logical_id, resource in app.resources("AWS::S3::Bucket").items()
        if logical_id.startswith("ImportUploads")
    ]
    return bucket


def key_statements(app: Synthesized, name: str) -> list[tuple[list[str], Any]]:
    return [
        (sorted(listed(s["Action"])), s["Resource"])
        for s in policy_statements_of(app, app.function_id(name))
        if any(str(action).startswith("kms:") for action in listed(s["Action"]))
    ]


def test_uploads_are_encrypted_with_the_storage_stacks_data_key(dev_app: Synthesized) -> None:
    # Given the uploads bucket and the SSM parameters the backend reads
    bucket = uploads_bucket(dev_app)
    names = parameter_names(dev_app)
    # Then its default encryption is SSE-KMS with the data key TradeTrackStorage publishes, bucket key on
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    default = rule["ServerSideEncryptionByDefault"]
    assert default["SSEAlgorithm"] == "aws:kms"
    assert names[default["KMSMasterKeyID"]["Ref"]] == "/tradetrack/dev/storage/data-key-arn"
    assert rule["BucketKeyEnabled"] is True
    # And public access stays blocked, uploads expire after two days
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == 2


def test_the_import_functions_may_use_the_key_only_as_their_s3_actions_need(dev_app: Synthesized) -> None:
    # Given the data key's parameter
    key = uploads_bucket(dev_app)["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
        "ServerSideEncryptionByDefault"
    ]["KMSMasterKeyID"]
    # Then the imports function (presigns the PUT, reads the upload back) may encrypt and decrypt,
    # the worker (reads, deletes) may only decrypt
    assert key_statements(dev_app, "imports") == [(["kms:Decrypt", "kms:GenerateDataKey"], key)]
    assert key_statements(dev_app, "import_worker") == [(["kms:Decrypt"], key)]
