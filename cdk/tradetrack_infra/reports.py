"""The reports function's files (docs/reports.md): it writes reports into the reports bucket of the
TradeTrackStorage-<stage> stack (storage.py) and presigns their download.

Wired by name, not by a cross-stack reference: the storage stack publishes the bucket's name and its
KMS key's ARN as SSM parameters (/tradetrack/<stage>/storage/reports-bucket and .../data-key-arn),
which this construct reads as CloudFormation parameters (no resource in the backend stack, which is
near CloudFormation's 500). So the storage stack deploys first: the backend stack depends on it
(app_builder.build_stage). The function gets REPORTS_BUCKET and REPORTS_KMS_KEY_ID (SSE-KMS with the
storage key), s3:PutObject and s3:GetObject on reports/* only (GetObject: the presigned download
is signed with the function's role), and kms:GenerateDataKey/Decrypt on that key only.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from tradetrack_infra.manifest_function import ManifestFunction
from tradetrack_infra.nag import acknowledge, resource_finding
from tradetrack_infra.storage import REPORTS_PREFIX, parameter_name

REPORTS = "reports"  # REPORTS_PREFIX is tradetrack.reports.repository.KEY_PREFIX too


class ReportFiles(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, stage: str, functions: Mapping[str, ManifestFunction]
    ) -> None:
        super().__init__(scope, construct_id)
        if REPORTS not in functions:
            raise ValueError(f"the report files need {REPORTS} in the manifest")
        self.bucket_name = ssm.StringParameter.value_for_string_parameter(
            self, parameter_name(stage, "reports-bucket")
        )
        self.key_arn = ssm.StringParameter.value_for_string_parameter(
            self, parameter_name(stage, "data-key-arn")
        )
        built = functions[REPORTS]
        built.function.add_environment("REPORTS_BUCKET", self.bucket_name)
        built.function.add_environment("REPORTS_KMS_KEY_ID", self.key_arn)
        objects = f"arn:{Aws.PARTITION}:s3:::{self.bucket_name}/{REPORTS_PREFIX}*"
        # What the manifest says the function does with the bucket (FunctionSpec.buckets), no more.
        actions = [action for use in built.spec.buckets if use.bucket == "reports" for action in use.actions]
        if not actions:
            raise ValueError(f"{REPORTS} names no use of the reports bucket in the manifest (buckets=)")
        built.role.add_to_principal_policy(iam.PolicyStatement(actions=actions, resources=[objects]))
        built.role.add_to_principal_policy(
            iam.PolicyStatement(actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[self.key_arn])
        )
        acknowledge(
            built.role,
            "AwsSolutions-IAM5",
            "Each report's key (reports/<userId>/<random>/<file name>) is made at run time; the grant is "
            "limited to the reports prefix of the reports bucket and to PutObject and GetObject.",
            resource_finding(built.role, objects),
        )
