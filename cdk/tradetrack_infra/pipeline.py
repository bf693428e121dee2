"""The CDK deploy pipeline ops use (`cdk synth -c pipeline=true`): CDK Pipelines' `CodePipeline`.

Source: the repository through a CodeStar (CodeConnections) connection named in cdk.json context.
Synth: a CodeBuild step running `make check`, `make test` and `make synth` (PIPELINE=1: this very app,
so the pipeline updates itself first, then deploys what it synthesized). Stages, in order: dev,
staging, prod, each a `Stage` holding the same stacks `cdk synth -c stage=<name>` builds, with a manual
approval before prod. Nothing is looked up at synth: it works offline, without credentials.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import CfnResource, Duration, Stack, Stage, pipelines
from aws_cdk import aws_codebuild as codebuild
from constructs import Construct, Node

from tradetrack_infra.nag import acknowledge, resource_finding
from tradetrack_infra.paths import REPO_ROOT
from tradetrack_infra.settings import SettingsError

PIPELINE_STACK = "TradeTrackPipeline"
CONNECTION_ARN_PATTERN = (
    r"^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:[0-9]{12}:connection/[0-9a-f-]{36}$"
)
REPOSITORY_PATTERN = r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"
DEFAULT_STAGES = ("dev", "staging", "prod")
APPROVED_STAGES = frozenset({"prod"})
# The synth step's build image: Debian bookworm with Python 3.11, as the dev machines that run `make
# test` (scripts/install_servers.sh installs redis-server, PostgreSQL and Debian's chromium with apt;
# Ubuntu-based CodeBuild standard images ship chromium only as a snap, which does not run in a build
# container). Node (web app, CDK CLI) and Go (FerretDB's build) are added at pinned versions.
SYNTH_IMAGE = "public.ecr.aws/docker/library/python:3.11-bookworm"
NODE_VERSION = "22.12.0"  # web/package.json wants >= 20.19
GO_VERSION = "1.24.4"  # FerretDB v1.24.2's go.mod: go 1.24 (built with GOTOOLCHAIN=local)
INSTALL_COMMANDS = (
    f"curl -fsSL https://nodejs.org/dist/v{NODE_VERSION}/node-v{NODE_VERSION}-linux-x64.tar.xz"
    " | tar -xJ -C /usr/local --strip-components=1",
    f"curl -fsSL https://go.dev/dl/go{GO_VERSION}.linux-amd64.tar.gz | tar -xz -C /usr/local",
    "ln -sf /usr/local/go/bin/go /usr/local/bin/go",
    "python3 --version && node --version && go version",
)
SYNTH_COMMANDS = ("make check", "make test", "make synth")
# Kept between builds on the same build host (CodeBuild's local cache, best effort, no resource):
# FerretDB's and CPython 3.12's builds (~/.cache/tradetrack), pip's and Go's downloads.
CACHED_PATHS = ("/root/.cache/tradetrack/**/*", "/root/.cache/pip/**/*", "/root/go/pkg/mod/**/*")


def pinned_cli_version() -> str:
    """The CDK CLI `make synth` uses (cdk/package.json), for the self-mutation and asset steps too."""
    package = json.loads((REPO_ROOT / "cdk" / "package.json").read_text())
    return str(package["dependencies"]["aws-cdk"])


@dataclass(frozen=True)
class PipelineSettings:
    """cdk.json context `pipelineSettings` ({connectionArn, repository, branch, stages}); a top-level
    `-c pipelineConnectionArn=...` (pipelineRepository, pipelineBranch, pipelineStages) wins."""

    connection_arn: str
    repository: str
    # The account the pipeline runs in (CodePipeline's cross-region support, for the us-east-1 CDN
    # firewall stack, needs it explicit); stages without an `account` of their own deploy there too.
    account: str
    branch: str = "main"
    stages: tuple[str, ...] = DEFAULT_STAGES

    @classmethod
    def from_context(cls, node: Node, environ: Mapping[str, str] = os.environ) -> PipelineSettings:
        block = node.try_get_context("pipelineSettings")
        block = block if isinstance(block, dict) else {}

        def get(key: str, default: Any = None) -> Any:
            flat = node.try_get_context(f"pipeline{key[0].upper()}{key[1:]}")
            value = flat if flat not in (None, "") else block.get(key)
            return default if value in (None, "") else value

        connection_arn = str(get("connectionArn", ""))
        if not re.match(CONNECTION_ARN_PATTERN, connection_arn):
            raise SettingsError(
                "context pipelineSettings.connectionArn (or -c pipelineConnectionArn=...) must be the "
                "ARN of an AVAILABLE CodeStar connection to the repository (docs/operations.md, Pipeline), "
                f"not {connection_arn!r}"
            )
        repository = str(get("repository", ""))
        if not re.match(REPOSITORY_PATTERN, repository):
            raise SettingsError(f"context pipelineSettings.repository={repository!r} must be owner/name")
        account = str(get("account", environ.get("CDK_DEFAULT_ACCOUNT", "")))
        if not re.fullmatch(r"[0-9]{12}", account):
            raise SettingsError(
                f"context pipelineSettings.account={account!r} must be the pipeline's 12-digit AWS account id"
            )
        stages = get("stages", list(DEFAULT_STAGES))
        if isinstance(stages, str):
            stages = [part.strip() for part in stages.split(",") if part.strip()]
        if not stages or len(set(stages)) != len(stages):
            raise SettingsError(
                f"context pipelineSettings.stages={stages!r} must name distinct stages in order"
            )
        return cls(
            connection_arn=connection_arn,
            repository=repository,
            account=account,
            branch=str(get("branch", "main")),
            stages=tuple(str(stage) for stage in stages),
        )


StageFactory = Callable[[Construct, str], Stage]


class PipelineStack(Stack):
    """`stage_factory(self, name)` builds the `Stage` of each stage name, in pipeline order."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: PipelineSettings,
        stage_factory: StageFactory,
        cross_account: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.settings = settings
        self.source = pipelines.CodePipelineSource.connection(
            settings.repository, settings.branch, connection_arn=settings.connection_arn
        )
        self.synth = pipelines.CodeBuildStep(
            "Synth",
            input=self.source,
            install_commands=list(INSTALL_COMMANDS),
            commands=list(SYNTH_COMMANDS),
            # `make synth` synthesizes this pipeline app (cdk synth -c pipeline=true), whose assembly
            # the pipeline updates itself from and deploys.
            env={"PIPELINE": "1", "CI": "1"},
            primary_output_directory="cdk.out",
            build_environment=codebuild.BuildEnvironment(
                build_image=codebuild.LinuxBuildImage.from_docker_registry(SYNTH_IMAGE),
                compute_type=codebuild.ComputeType.LARGE,  # FerretDB, PostgreSQL and chromium under test
            ),
            timeout=Duration.minutes(90),
            cache=codebuild.Cache.local(codebuild.LocalCacheMode.CUSTOM),
            partial_build_spec=codebuild.BuildSpec.from_object({"cache": {"paths": list(CACHED_PATHS)}}),
        )
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name="TradeTrack",
            synth=self.synth,
            self_mutation=True,
            cli_version=pinned_cli_version(),
            cross_account_keys=cross_account,
            docker_enabled_for_synth=False,
            docker_enabled_for_self_mutation=False,
            # One CodeBuild project publishes every asset (functions, layers, nested templates, the
            # web app) instead of one project per asset: ~40 fewer resources in this stack.
            publish_assets_in_parallel=False,
        )
        self.stages: list[Stage] = []
        for name in settings.stages:
            stage = stage_factory(self, name)
            pre: Sequence[pipelines.Step] = (
                [
                    pipelines.ManualApprovalStep(
                        f"Approve-{name}",
                        comment=f"Deploy this commit to {name}? (docs/operations.md, Pipeline)",
                    )
                ]
                if name in APPROVED_STAGES
                else []
            )
            self.pipeline.add_stage(stage, pre=pre)
            self.stages.append(stage)
        self.pipeline.build_pipeline()
        self._acknowledge_findings()
        # cfn-lint: CDK writes the actions' role ARNs (Configuration.RoleArn) with Fn::Join, which
        # E3703 would have as Fn::Sub (style, same string); W3005: the role dependency CDK adds is also
        # implied by the RoleArn GetAtt.
        cfn_pipeline = self.pipeline.pipeline.node.default_child
        assert isinstance(cfn_pipeline, CfnResource)
        cfn_pipeline.add_metadata("cfn-lint", {"config": {"ignore_checks": ["E3703", "W3005"]}})

    def _acknowledge_findings(self) -> None:
        """What cdk-nag reports on CDK Pipelines' own resources, and why it stays."""
        artifacts = self.pipeline.pipeline.artifact_bucket
        acknowledge(
            artifacts,
            "AwsSolutions-S1",
            "The artifact bucket holds build outputs only (cloud assemblies, zipped assets), written and "
            "read by the pipeline's own roles; CloudTrail records its API use.",
        )
        acknowledge(
            self.pipeline.synth_project,
            "AwsSolutions-CB5",
            f"{SYNTH_IMAGE}: Debian bookworm with Python 3.11 like the dev machines, where `make test` "
            "installs redis-server, PostgreSQL and chromium with apt (CodeBuild's Ubuntu images have "
            "chromium only as a snap, which cannot run in a build container).",
        )
        acknowledge(
            self,
            "AwsSolutions-CB4",
            "CDK Pipelines' CodeBuild projects (synth, self-mutation, asset publishing) write their "
            "outputs to the artifact bucket, encrypted there (SSE); they hold no secrets to encrypt.",
        )
        projects = (self.pipeline.synth_project, self.pipeline.self_mutation_project)
        logs = f"arn:aws:logs:{self.region}:{self.account}:log-group:/aws/codebuild"
        reports = f"arn:aws:codebuild:{self.region}:{self.account}:report-group"
        findings = [
            *(
                f"Action::s3:{action}"
                for action in ("Abort*", "DeleteObject*", "GetBucket*", "GetObject*", "List*")
            ),
            resource_finding(self, artifacts.arn_for_objects("*")),
            "Resource::*",
            f"Resource::arn:*:iam::{self.account}:role/*",
            f"Resource::{logs}/*",
            f"Resource::{reports}/*",
            *(f"Resource::{logs}/<{self._logical_id(project)}>:*" for project in projects),
            *(f"Resource::{reports}/<{self._logical_id(project)}>-*" for project in projects),
            *(
                resource_finding(self, support.replication_bucket.arn_for_objects("*"))
                for support in self.pipeline.pipeline.cross_region_support.values()
            ),
        ]
        acknowledge(
            self,
            "AwsSolutions-IAM5",
            "CDK Pipelines' generated roles: CodeBuild log streams and report groups are named per build, "
            "artifact objects per execution (read/write by prefix), the asset and self-mutation steps "
            "assume the bootstrap's cdk-hnb659fds-* roles (role/*) and describe what they deploy (*).",
            *findings,
        )
        for support in self.pipeline.pipeline.cross_region_support.values():
            acknowledge(
                support.replication_bucket,
                "AwsSolutions-S1",
                "CodePipeline's cross-region replication bucket (artifacts for the us-east-1 CloudFront "
                "firewall stack) holds build outputs only; CloudTrail records its API use.",
            )

    def _logical_id(self, project: codebuild.IProject) -> str:
        return str(self.resolve(self.get_logical_id(project.node.default_child)))  # type: ignore[arg-type]
