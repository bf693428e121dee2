"""The uploaded imports' bucket (docs/imports.md): files PUT by presigned URL, read by the worker.

The imports function presigns PUTs into `imports/` and checks and deletes uploads; the
import-worker function reads and deletes them. Both get IMPORTS_BUCKET. The queue between them
comes from the manifest's QueueSource (Queues). Uploads expire after two days whatever happens.
A tradebook is personal financial data: the bucket encrypts with the storage stack's data key
(SSE-KMS, read from its SSM parameter like reports.py), and the roles get the key actions their S3
actions need (GenerateDataKey to write, Decrypt to read).
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from tradetrack_infra.manifest_function import ManifestFunction
from tradetrack_infra.nag import acknowledge
from tradetrack_infra.settings import StageSettings
from tradetrack_infra.storage import parameter_name

IMPORTS = "imports"  # presigns the uploads, checks their size, deletes refused ones
IMPORT_WORKER = "import_worker"  # reads and deletes them
UPLOAD_PREFIX = "imports/"  # tradetrack.db.imports.UPLOAD_PREFIX


class ImportUploads(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        functions: Mapping[str, ManifestFunction],
    ) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key.from_key_arn(
            self,
            "DataKey",
            ssm.StringParameter.value_for_string_parameter(
                self, parameter_name(settings.stage, "data-key-arn")
            ),
        )
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            removal_policy=settings.removal_policy,
            lifecycle_rules=[
                s3.LifecycleRule(
                    prefix=UPLOAD_PREFIX,
                    expiration=Duration.days(2),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            # The SPA PUTs the file from the browser to the presigned URL.
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.PUT],
                    allowed_origins=list(settings.cors_allow_origins),
                    allowed_headers=["Content-Type"],
                    max_age=3000,
                )
            ],
        )
        acknowledge(
            self.bucket,
            "AwsSolutions-S1",
            "Uploads live at most two days and are written only through presigned URLs the imports "
            "function issues (logged with the import id); server access logs would add a second bucket "
            "for no audit need.",
        )
        uploads = self.bucket.arn_for_objects(f"{UPLOAD_PREFIX}*")
        cfn_bucket = self.bucket.node.default_child
        assert isinstance(cfn_bucket, s3.CfnBucket)
        finding = f"Resource::<{Stack.of(self).get_logical_id(cfn_bucket)}.Arn>/{UPLOAD_PREFIX}*"
        for name in (IMPORTS, IMPORT_WORKER):
            if name not in functions:
                raise ValueError(f"the import uploads need {name} in the manifest")
        # What the manifest says each function does with the bucket (FunctionSpec.buckets), no more.
        needs = {
            name: list(use.actions)
            for name, built in functions.items()
            for use in built.spec.buckets
            if use.bucket == "imports"
        }
        for name, actions in needs.items():
            built = functions[name]
            built.function.add_environment("IMPORTS_BUCKET", self.bucket.bucket_name)
            built.role.add_to_principal_policy(iam.PolicyStatement(actions=actions, resources=[uploads]))
            key_actions = [
                *(["kms:GenerateDataKey"] if "s3:PutObject" in actions else []),
                *(["kms:Decrypt"] if "s3:GetObject" in actions else []),
            ]
            if key_actions:
                built.role.add_to_principal_policy(
                    iam.PolicyStatement(actions=key_actions, resources=[self.key.key_arn])
                )
            acknowledge(
                built.role,
                "AwsSolutions-IAM5",
                "Each import's object key (imports/<userId>/<importId>.csv) is made at run time; the "
                "grant is limited to the uploads prefix of this bucket and to the actions listed.",
                finding,
            )
