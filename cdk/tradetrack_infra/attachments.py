"""The trade screenshots' files (docs/attachments.md): the attachments bucket of the
TradeTrackStorage-<stage> stack (storage.py), used by the functions the manifest says use it.

Wired by name like reports.py: the bucket's name and the storage key's ARN are read from their SSM
parameters (/tradetrack/<stage>/storage/attachments-bucket and .../data-key-arn) as CloudFormation
parameters, so the backend stack holds no resource for them. Each function with a
`BucketUse("attachments", ...)` gets ATTACHMENTS_BUCKET and ATTACHMENTS_KMS_KEY_ID, exactly the
S3 actions it names on attachments/* only, and the key actions those need (GenerateDataKey to
write, Decrypt to read). The attachments function presigns the browser's POST (signed with its
role: PutObject) and the GETs, the worker reads, writes and deletes, the data-quality function
deletes an orphan's screenshots.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from tradetrack_infra.manifest_function import ManifestFunction
from tradetrack_infra.nag import acknowledge, resource_finding
from tradetrack_infra.storage import parameter_name

ATTACHMENTS = "attachments"
ATTACHMENTS_PREFIX = "attachments/"  # tradetrack.attachments.repository.KEY_PREFIX


def uses_attachments(built: ManifestFunction) -> list[str]:
    return [action for use in built.spec.buckets if use.bucket == ATTACHMENTS for action in use.actions]


class AttachmentFiles(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, stage: str, functions: Mapping[str, ManifestFunction]
    ) -> None:
        super().__init__(scope, construct_id)
        if ATTACHMENTS not in functions:
            raise ValueError(f"the attachment files need {ATTACHMENTS} in the manifest")
        self.bucket_name = ssm.StringParameter.value_for_string_parameter(
            self, parameter_name(stage, "attachments-bucket")
        )
        self.key_arn = ssm.StringParameter.value_for_string_parameter(
            self, parameter_name(stage, "data-key-arn")
        )
        objects = f"arn:{Aws.PARTITION}:s3:::{self.bucket_name}/{ATTACHMENTS_PREFIX}*"
        for built in functions.values():
            actions = uses_attachments(built)
            if not actions:
                continue
            built.function.add_environment("ATTACHMENTS_BUCKET", self.bucket_name)
            built.function.add_environment("ATTACHMENTS_KMS_KEY_ID", self.key_arn)
            built.role.add_to_principal_policy(iam.PolicyStatement(actions=actions, resources=[objects]))
            key_actions = [
                *(["kms:GenerateDataKey"] if "s3:PutObject" in actions else []),
                *(["kms:Decrypt"] if "s3:GetObject" in actions else []),
            ]
            if key_actions:
                built.role.add_to_principal_policy(
                    iam.PolicyStatement(actions=key_actions, resources=[self.key_arn])
                )
            acknowledge(
                built.role,
                "AwsSolutions-IAM5",
                "Each screenshot's keys (attachments/<userId>/<random>/...) are made at run time; the "
                "grant is limited to the attachments prefix of the attachments bucket and to the "
                "actions the manifest names for this function.",
                resource_finding(built.role, objects),
            )
