"""The import worker's tests: moto's S3 with the imports bucket."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.integration.import_worker.support import BUCKET


@pytest.fixture
def s3(moto_aws: None) -> Any:
    """moto's S3 with the imports bucket (gone with moto_aws)."""
    client = boto3.client("s3", region_name="ap-south-1")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
    return client
