"""Stack TradeTrackStorage-<stage> (reports/exports, attachments, access logs) and the web bucket's rules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, RemovalPolicy, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from tests.infrastructure.conftest import Synthesized, cdk_json_context, synthesize
from tradetrack_infra.settings import StageSettings
from tradetrack_infra.storage import StorageStack, bucket_name

pytestmark = pytest.mark.infrastructure

CFN_LINT = Path(sys.executable).with_name("cfn-lint")
BLOCK_ALL = {
    "BlockPublicAcls": True,
    "BlockPublicPolicy": True,
    "IgnorePublicAcls": True,
    "RestrictPublicBuckets": True,
}


class Storage:
    """The storage stack of a synthesized app: its resources by construct id."""

    def __init__(self, app: Synthesized) -> None:
        root = app.stack.node.root
        (self.stack,) = [
            c
            for c in root.node.find_all()
            if isinstance(c, StorageStack) and c.stack_name == f"TradeTrackStorage-{app.stack.settings.stage}"
        ]
        self.template = Template.from_stack(self.stack).to_json()
        self.path = app.assembly_dir / self.stack.template_file

    def logical_id(self, construct: Any) -> str:
        return str(self.stack.get_logical_id(construct.node.default_child))

    def props(self, construct: Any) -> dict[str, Any]:
        properties: dict[str, Any] = self.template["Resources"][self.logical_id(construct)]["Properties"]
        return properties

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.template["Resources"].items() if v["Type"] == resource_type}

    def policy(self, bucket: Any) -> list[dict[str, Any]]:
        (statements,) = [
            p["Properties"]["PolicyDocument"]["Statement"]
            for p in self.of_type("AWS::S3::BucketPolicy").values()
            if p["Properties"]["Bucket"] == {"Ref": self.logical_id(bucket)}
        ]
        return list(statements)

    def rules(self, bucket: Any) -> dict[str, dict[str, Any]]:
        return {r["Id"]: r for r in self.props(bucket)["LifecycleConfiguration"]["Rules"]}


@pytest.fixture(scope="module")
def storage(dev_app: Synthesized) -> Storage:
    return Storage(dev_app)


@pytest.mark.parametrize("name", ["reports", "attachments"])
def test_personal_data_buckets_are_kms_encrypted_versioned_private_and_logged(
    storage: Storage, name: str
) -> None:
    # Given a bucket holding traders' personal data
    bucket = getattr(storage.stack, name)
    props = storage.props(bucket)
    key_id = storage.logical_id(storage.stack.key)

    # Then it is encrypted with the stack's customer managed key, with S3 Bucket Keys
    (encryption,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": {"Fn::GetAtt": [key_id, "Arn"]},
    }
    assert encryption["BucketKeyEnabled"] is True
    # And versioned, closed to the public, owned by the bucket, its access logged to the logs bucket
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["PublicAccessBlockConfiguration"] == BLOCK_ALL
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert props["LoggingConfiguration"] == {
        "DestinationBucketName": {"Ref": storage.logical_id(storage.stack.access_logs)},
        "LogFilePrefix": f"{name}/",
    }
    # And its name is fixed per stage, account and region (consumers build its ARN without a reference)
    assert props["BucketName"] == {
        "Fn::Join": ["", [f"tradetrack-dev-{name}-", {"Ref": "AWS::AccountId"}, "-", {"Ref": "AWS::Region"}]]
    }


@pytest.mark.parametrize("name", ["reports", "attachments", "access_logs"])
def test_every_storage_bucket_refuses_requests_without_tls(storage: Storage, name: str) -> None:
    # Given the bucket's policy
    bucket = getattr(storage.stack, name)
    statements = storage.policy(bucket)

    # Then it denies every S3 action on the bucket and its objects to any request not over TLS
    (deny,) = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Action"] == "s3:*"
    assert deny["Principal"] == {"AWS": "*"}
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    bucket_id = storage.logical_id(bucket)
    assert deny["Resource"] == [
        {"Fn::GetAtt": [bucket_id, "Arn"]},
        {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, "/*"]]},
    ]


def test_reports_go_to_glacier_after_90_days_and_exports_expire_in_a_week(storage: Storage) -> None:
    # Given the reports bucket's lifecycle rules
    rules = storage.rules(storage.stack.reports)

    # Then reports move to Glacier Instant Retrieval at 90 days (presigned downloads keep working)
    # and expire after two years (the journal rebuilds them)
    reports = rules["reports-to-glacier-then-expire"]
    assert reports["Status"] == "Enabled"
    assert reports["Prefix"] == "reports/"
    assert reports["Transitions"] == [{"StorageClass": "GLACIER_IR", "TransitionInDays": 90}]
    assert reports["ExpirationInDays"] == 730
    # And one-off exports go after 7 days
    exports = rules["expire-exports"]
    assert (exports["Prefix"], exports["ExpirationInDays"]) == ("exports/", 7)
    # And replaced versions after 30 days, unfinished uploads after a day
    housekeeping = rules["old-versions-and-uploads"]
    assert housekeeping["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    assert housekeeping["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    assert housekeeping["ExpiredObjectDeleteMarker"] is True


def test_attachments_never_expire_but_old_versions_do(storage: Storage) -> None:
    # Given the attachments bucket's lifecycle rules and CORS
    props = storage.props(storage.stack.attachments)
    rules = storage.rules(storage.stack.attachments)

    # Then no rule expires a current attachment; replaced or deleted ones are kept 90 days
    assert not [r for r in rules.values() if "ExpirationInDays" in r or "Transitions" in r]
    (rule,) = rules.values()
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 90}
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    # And the web app may POST (the presigned upload form), PUT and GET from the stage's CORS
    # origins only
    (cors,) = props["CorsConfiguration"]["CorsRules"]
    assert sorted(cors["AllowedMethods"]) == ["GET", "POST", "PUT"]
    assert cors["AllowedOrigins"] == list(StageSettings.from_context(storage.stack.node).cors_allow_origins)
    assert "CorsConfiguration" not in storage.props(storage.stack.reports)


def test_access_logs_bucket_takes_server_access_logs_and_keeps_them_a_year(storage: Storage) -> None:
    # Given the access-logs bucket
    bucket = storage.stack.access_logs
    props = storage.props(bucket)

    # Then it is private, SSE-S3 (S3 server access logging cannot write SSE-KMS), and keeps a year
    assert props["PublicAccessBlockConfiguration"] == BLOCK_ALL
    (encryption,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert storage.rules(bucket)["expire-logs"]["ExpirationInDays"] == 365
    # And only the S3 logging service may write, each bucket's logs under its own prefix, for this account
    allows = [s for s in storage.policy(bucket) if s["Effect"] == "Allow"]
    logs_arn = {"Fn::GetAtt": [storage.logical_id(bucket), "Arn"]}
    assert sorted(json.dumps(s["Resource"]) for s in allows) == sorted(
        json.dumps({"Fn::Join": ["", [logs_arn, f"/{name}/*"]]}) for name in ("reports", "attachments")
    )
    for allow in allows:
        assert allow["Principal"] == {"Service": "logging.s3.amazonaws.com"}
        assert allow["Action"] == "s3:PutObject"
        source = allow["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::GetAtt"][0]
        assert source in {
            storage.logical_id(storage.stack.reports),
            storage.logical_id(storage.stack.attachments),
        }
        assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}


def test_data_key_rotates(storage: Storage) -> None:
    # Given the key encrypting the personal data buckets
    props = storage.props(storage.stack.key)

    # Then AWS rotates it yearly, and it has a findable alias per stage
    assert props["EnableKeyRotation"] is True
    (alias,) = storage.of_type("AWS::KMS::Alias").values()
    assert alias["Properties"]["AliasName"] == "alias/tradetrack-dev-storage"


def test_bucket_names_are_published_for_the_backend(storage: Storage) -> None:
    # Given the stack's SSM parameters and outputs
    parameters = {
        p["Properties"]["Name"]: p["Properties"]["Value"]
        for p in storage.of_type("AWS::SSM::Parameter").values()
    }
    outputs = {k: v["Value"] for k, v in storage.template["Outputs"].items()}

    # Then each bucket's name (and the key's ARN) is in SSM under /tradetrack/<stage>/storage/ and an output
    expected = {
        "/tradetrack/dev/storage/reports-bucket": {"Ref": storage.logical_id(storage.stack.reports)},
        "/tradetrack/dev/storage/attachments-bucket": {"Ref": storage.logical_id(storage.stack.attachments)},
        "/tradetrack/dev/storage/access-logs-bucket": {"Ref": storage.logical_id(storage.stack.access_logs)},
        "/tradetrack/dev/storage/data-key-arn": {
            "Fn::GetAtt": [storage.logical_id(storage.stack.key), "Arn"]
        },
    }
    assert parameters == expected
    assert outputs["ReportsBucket"] == expected["/tradetrack/dev/storage/reports-bucket"]
    assert outputs["AttachmentsBucket"] == expected["/tradetrack/dev/storage/attachments-bucket"]


def test_storage_depends_on_no_stack(dev_app: Synthesized, storage: Storage) -> None:
    # Given the storage stack of the app
    # Then it references no other stack, so the backend (the report worker) may reference it
    assert storage.stack.dependencies == []
    assert "Fn::GetStackOutput" not in json.dumps(storage.template)
    assert storage.stack.region == dev_app.stack.region


def test_prod_storage_is_retained_and_dev_storage_is_not(storage: Storage, tmp_path: Path) -> None:
    # Given the dev stack of the app, and the stack as prod builds it (RETAIN)
    prod = StorageStack(
        App(context=cdk_json_context(), outdir=str(tmp_path)),
        "TradeTrackStorage-prod",
        stage="prod",
        removal_policy=RemovalPolicy.RETAIN,
        env=Environment(region="ap-south-1"),
    )
    prod_resources = Template.from_stack(prod).to_json()["Resources"]

    # Then prod keeps its buckets and key when the stack goes, and dev deletes them
    for resource_type in ("AWS::S3::Bucket", "AWS::KMS::Key"):
        kept = [v for v in prod_resources.values() if v["Type"] == resource_type]
        assert kept and all(v["DeletionPolicy"] == "Retain" for v in kept)
        assert all(v["DeletionPolicy"] == "Delete" for v in storage.of_type(resource_type).values())


def test_web_site_bucket_keeps_replaced_files_a_month(dev_app: Synthesized) -> None:
    # Given the web app's site bucket (same rules: private, TLS-only and logged are its own tests)
    root = dev_app.stack.node.root
    (web,) = [c for c in root.node.find_all() if isinstance(c, Stack) and c.stack_name == "TradeTrackWeb-dev"]
    site = web.node.find_child("Site").node.default_child
    assert isinstance(site, s3.CfnBucket)
    props = Template.from_stack(web).to_json()["Resources"][web.get_logical_id(site)]["Properties"]

    # Then a deploy's replaced or pruned files stay recoverable for 30 days (versioned), no longer
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    (rule,) = props["LifecycleConfiguration"]["Rules"]
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    # And it is encrypted at rest (SSE-S3: the public app's code, no personal data)
    (encryption,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}


def test_every_log_group_of_every_stack_keeps_30_days(dev_app: Synthesized) -> None:
    # Given every stack of the app
    root = dev_app.stack.node.root
    stacks = [c for c in root.node.find_all() if isinstance(c, Stack)]  # nested stacks too
    groups = [
        (stack.stack_name, logical_id, resource["Properties"].get("RetentionInDays"))
        for stack in stacks
        for logical_id, resource in Template.from_stack(stack).to_json()["Resources"].items()
        if resource["Type"] == "AWS::Logs::LogGroup"
    ]

    # Then each log group keeps 30 days (WAF logs too)
    assert len({stack for stack, _, _ in groups}) >= 3
    assert [g for g in groups if g[2] != 30] == []


def test_cfn_lint_finds_nothing_in_the_storage_template(storage: Storage) -> None:
    # When cfn-lint checks the storage template as `make synth` does, Then it reports nothing
    result = subprocess.run(
        [str(CFN_LINT), str(storage.path)], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_stage_name_too_long_for_a_bucket_name_is_refused() -> None:
    # Given a stage of 21 characters (the longest the settings allow)
    # When a bucket name is made for it, Then it is refused before any deploy
    with pytest.raises(ValueError, match="longer than 63"):
        bucket_name("a" * 21, "attachments")
    assert "tradetrack-staging-attachments-" in bucket_name("staging", "attachments")


@pytest.fixture(scope="module")
def prod_app(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The app `cdk synth -c stage=prod` builds."""
    root = tmp_path_factory.mktemp("prod-storage")
    return synthesize(root / "cdk.out", root / "deps", context={"stage": "prod"})


def test_prod_keeps_logs_30_days_and_protects_the_edge_and_storage_stacks(prod_app: Synthesized) -> None:
    # Given every stack of the prod app
    root = prod_app.stack.node.root
    stacks = {c.stack_name: c for c in root.node.find_all() if isinstance(c, Stack)}
    groups = [
        (name, resource["Properties"].get("RetentionInDays"))
        for name, stack in stacks.items()
        for resource in Template.from_stack(stack).to_json()["Resources"].values()
        if resource["Type"] == "AWS::Logs::LogGroup"
    ]

    # Then prod keeps its logs 30 days too (WAF logs included), as every stage does
    assert {name for name, _ in groups} >= {"TradeTrackWafApi-prod", "TradeTrackWafCdn-prod"}
    assert [g for g in groups if g[1] != 30] == []
    # And the web ACL and storage stacks cannot be deleted by accident, nor their data with them
    for name in ("TradeTrackWafApi-prod", "TradeTrackWafCdn-prod", "TradeTrackStorage-prod"):
        assert stacks[name].termination_protection, name
    storage = Template.from_stack(stacks["TradeTrackStorage-prod"]).to_json()["Resources"]
    kept = [r for r in storage.values() if r["Type"] in {"AWS::S3::Bucket", "AWS::KMS::Key"}]
    assert len(kept) == 4 and all(r["DeletionPolicy"] == "Retain" for r in kept)
    # And the CloudFront ACL is still created in us-east-1
    assert stacks["TradeTrackWafCdn-prod"].region == "us-east-1"
