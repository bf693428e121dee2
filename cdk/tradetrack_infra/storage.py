"""Stack TradeTrackStorage-<stage>: the S3 buckets for reports/exports and attachments (docs/operations.md).

Its own stack (the backend is near the 500-resource limit) that depends on nothing: the backend (the
report worker of issue #20) may reference it, never the other way round. The names are published as
stack outputs and SSM parameters (`/tradetrack/<stage>/storage/<name>`) and the constructs are
attributes (`reports`, `attachments`, `key`). The report worker reads the SSM parameters
(reports.py). The personal-data buckets have fixed names (`tradetrack-<stage>-<kind>-<account>-<region>`),
so a grant on a prefix reads plainly in IAM and in cdk-nag findings.

- Reports and attachments hold traders' personal data: SSE-KMS with a customer managed, rotating key
  (S3 Bucket Keys keep the KMS request bill small), versioned, TLS-only, Block Public Access,
  objects owned by the bucket, server access logs to the access-logs bucket.
- Reports (`reports/`) move to S3 Glacier Instant Retrieval after 90 days (still downloadable by
  presigned URL at once) and expire after two years: they are rebuilt from the journal on demand.
  One-off exports (`exports/`) expire after 7 days. Old versions go after 30 days.
- Attachments never expire; their old versions (overwritten or deleted) are kept 90 days.
- The access-logs bucket (SSE-S3: S3 server access logging cannot write SSE-KMS) keeps a year.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Aws, CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from tradetrack_infra.naming import pascal

REPORTS_PREFIX = "reports/"
EXPORTS_PREFIX = "exports/"
REPORTS_TO_GLACIER = Duration.days(90)
REPORTS_EXPIRE = Duration.days(730)
EXPORTS_EXPIRE = Duration.days(7)
REPORT_VERSIONS_KEPT = Duration.days(30)
ATTACHMENT_VERSIONS_KEPT = Duration.days(90)
ACCESS_LOGS_KEPT = Duration.days(365)
ABORT_UPLOADS_AFTER = Duration.days(1)
MAX_BUCKET_NAME = 63


def bucket_name(stage: str, kind: str) -> str:
    """A personal-data bucket's fixed name, e.g. tradetrack-dev-reports-<account>-<region>."""
    longest = len(f"tradetrack-{stage}-{kind}--") + 12 + len("ap-southeast-2")
    if longest > MAX_BUCKET_NAME:
        raise ValueError(f"stage {stage!r} makes the {kind} bucket's name longer than {MAX_BUCKET_NAME}")
    return f"tradetrack-{stage}-{kind}-{Aws.ACCOUNT_ID}-{Aws.REGION}"


def parameter_name(stage: str, name: str) -> str:
    """The SSM parameter holding a storage name, e.g. /tradetrack/dev/storage/reports-bucket."""
    return f"/tradetrack/{stage}/storage/{name}"


class StorageStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        removal_policy: RemovalPolicy,
        cors_allow_origins: Sequence[str] = ("*",),
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.stage = stage
        self.key = kms.Key(
            self,
            "DataKey",
            alias=f"alias/tradetrack-{stage}-storage",
            description=f"TradeTrack {stage}: reports, exports and attachments (personal data)",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-logs",
                    expiration=ACCESS_LOGS_KEPT,
                    abort_incomplete_multipart_upload_after=ABORT_UPLOADS_AFTER,
                )
            ],
            removal_policy=removal_policy,
        )
        self.reports = self._personal_bucket(
            "Reports",
            "reports",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="reports-to-glacier-then-expire",
                    prefix=REPORTS_PREFIX,
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                            transition_after=REPORTS_TO_GLACIER,
                        )
                    ],
                    expiration=REPORTS_EXPIRE,
                ),
                s3.LifecycleRule(id="expire-exports", prefix=EXPORTS_PREFIX, expiration=EXPORTS_EXPIRE),
                s3.LifecycleRule(
                    id="old-versions-and-uploads",
                    noncurrent_version_expiration=REPORT_VERSIONS_KEPT,
                    abort_incomplete_multipart_upload_after=ABORT_UPLOADS_AFTER,
                    expired_object_delete_marker=True,
                ),
            ],
            removal_policy=removal_policy,
            cors=None,
        )
        self.attachments = self._personal_bucket(
            "Attachments",
            "attachments",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="old-versions-and-uploads",
                    noncurrent_version_expiration=ATTACHMENT_VERSIONS_KEPT,
                    abort_incomplete_multipart_upload_after=ABORT_UPLOADS_AFTER,
                    expired_object_delete_marker=True,
                )
            ],
            removal_policy=removal_policy,
            # The web app POSTs screenshots to presigned forms (tradetrack.attachments) and shows them
            # by presigned GET.
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.POST, s3.HttpMethods.PUT, s3.HttpMethods.GET],
                    allowed_origins=list(cors_allow_origins),
                    allowed_headers=["Content-Type"],
                    max_age=3000,
                )
            ],
        )

        self.names = {
            "reports-bucket": self.reports.bucket_name,
            "attachments-bucket": self.attachments.bucket_name,
            "access-logs-bucket": self.access_logs.bucket_name,
            "data-key-arn": self.key.key_arn,
        }
        for name, value in self.names.items():
            ssm.StringParameter(
                self,
                f"{pascal(name)}Parameter",
                parameter_name=parameter_name(stage, name),
                string_value=value,
                description=f"TradeTrack {stage}: {name} (TradeTrackStorage-{stage})",
            )
            CfnOutput(self, pascal(name), value=value)

    def _personal_bucket(
        self,
        construct_id: str,
        kind: str,
        *,
        lifecycle_rules: list[s3.LifecycleRule],
        removal_policy: RemovalPolicy,
        cors: list[s3.CorsRule] | None,
    ) -> s3.Bucket:
        return s3.Bucket(
            self,
            construct_id,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            bucket_name=bucket_name(self.stage, kind),
            server_access_logs_prefix=f"{kind}/",
            lifecycle_rules=lifecycle_rules,
            cors=cors,
            removal_policy=removal_policy,
        )
