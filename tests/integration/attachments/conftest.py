"""Fixtures of the split tests."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.integration.attachments.support import (
    BUCKET,
    REGION,
)
from tests.support.gateway import Gateway
from tradetrack.config import reset_settings


@pytest.fixture
def api(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> Gateway:
    """moto's attachments bucket and queue, named in the environment."""
    s3: Any = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    sqs: Any = boto3.client("sqs", region_name=REGION)
    monkeypatch.setenv("ATTACHMENTS_BUCKET", BUCKET)
    monkeypatch.setenv("ATTACHMENTS_QUEUE_URL", sqs.create_queue(QueueName="attachments")["QueueUrl"])
    reset_settings()
    return gateway
