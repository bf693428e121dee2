"""The deploy pipeline (`cdk synth -c pipeline=true`): CDK Pipelines from a CodeStar connection, a synth
step running make check/test/synth, self-mutation, dev -> staging -> prod with an approval before prod,
each stage the same stacks as `cdk synth -c stage=<name>` with that stage's cdk.json settings."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App

from tests.infrastructure.conftest import PIPELINE_CONTEXT, Synthesized, SynthesizedPipeline, cdk_json_context
from tests.infrastructure.test_compliance import CFN_LINT
from tradetrack_infra.pipeline import SYNTH_IMAGE, PipelineSettings, pinned_cli_version
from tradetrack_infra.settings import SettingsError, StageSettings

pytestmark = pytest.mark.infrastructure


def pipeline_resource(app: SynthesizedPipeline) -> dict[str, Any]:
    (pipeline,) = app.template.find_resources("AWS::CodePipeline::Pipeline").values()
    return dict(pipeline["Properties"])


def stages(app: SynthesizedPipeline) -> dict[str, list[dict[str, Any]]]:
    return {stage["Name"]: stage["Actions"] for stage in pipeline_resource(app)["Stages"]}


def build_spec(project: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(project["Properties"]["Source"]["BuildSpec"])
    return spec


PATH_NAMED = {
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::Lambda::Permission",
    "AWS::ApiGateway::Deployment",
}


def ids_but_rules(template: dict[str, Any]) -> set[str]:
    return {rid for rid, r in template["Resources"].items() if r["Type"] not in PATH_NAMED}


def project_of(app: SynthesizedPipeline, action: dict[str, Any]) -> dict[str, Any]:
    projects = app.template.find_resources("AWS::CodeBuild::Project")
    return dict(projects[action["Configuration"]["ProjectName"]["Ref"]])


def test_the_source_is_the_codestar_connection_from_context(pipeline_app: SynthesizedPipeline) -> None:
    # Given the pipeline synthesized with a connection ARN and repository in context
    (source,) = stages(pipeline_app)["Source"]

    # Then its source action pulls that repository's main branch through that connection
    assert source["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    assert source["Configuration"]["ConnectionArn"] == PIPELINE_CONTEXT["pipelineConnectionArn"]
    assert source["Configuration"]["FullRepositoryId"] == PIPELINE_CONTEXT["pipelineRepository"]
    assert source["Configuration"]["BranchName"] == "main"


def test_the_synth_step_runs_check_test_and_synth_of_the_pipeline_app(
    pipeline_app: SynthesizedPipeline,
) -> None:
    # Given the pipeline's build stage
    (synth,) = stages(pipeline_app)["Build"]
    project = project_of(pipeline_app, synth)
    spec = build_spec(project)

    # Then it runs make check, make test and make synth, in that order, as the developers do
    assert spec["phases"]["build"]["commands"] == ["make check", "make test", "make synth"]
    # And `make synth` builds this pipeline app (PIPELINE=1), whose cdk.out is the step's output
    variables = {v["Name"]: v["Value"] for v in project["Properties"]["Environment"]["EnvironmentVariables"]}
    assert variables["PIPELINE"] == "1"
    assert spec["artifacts"]["base-directory"] == "cdk.out"
    # And it builds on Debian bookworm with Python 3.11, adding pinned Node (>= 20.19) and Go (>= 1.24)
    assert (
        project["Properties"]["Environment"]["Image"]
        == SYNTH_IMAGE
        == ("public.ecr.aws/docker/library/python:3.11-bookworm")
    )
    install = " ".join(spec["phases"]["install"]["commands"])
    assert "node-v22." in install
    assert "go1.24." in install
    # And the tests have room: FerretDB, PostgreSQL, Redis and chromium run during `make test`
    assert project["Properties"]["Environment"]["ComputeType"] == "BUILD_GENERAL1_LARGE"
    # And the FerretDB and CPython builds are kept between runs on the build host
    assert project["Properties"]["Cache"] == {"Type": "LOCAL", "Modes": ["LOCAL_CUSTOM_CACHE"]}
    assert "/root/.cache/tradetrack/**/*" in spec["cache"]["paths"]


def test_the_pipeline_updates_itself_before_deploying(pipeline_app: SynthesizedPipeline) -> None:
    # Given the pipeline's stages in order
    names = list(stages(pipeline_app))

    # Then self-mutation follows the synth and precedes the assets and every deployment
    assert names == ["Source", "Build", "UpdatePipeline", "Assets", "Dev", "Staging", "Prod"]
    (mutate,) = stages(pipeline_app)["UpdatePipeline"]
    spec = build_spec(project_of(pipeline_app, mutate))
    # And it deploys this very stack with the CDK CLI make synth pins
    assert spec["phases"]["install"]["commands"] == [f"npm install -g aws-cdk@{pinned_cli_version()}"]
    assert any("deploy TradeTrackPipeline" in command for command in spec["phases"]["build"]["commands"])
    assert pipeline_resource(pipeline_app)["RestartExecutionOnUpdate"] is True


def test_prod_waits_for_a_manual_approval_and_the_other_stages_do_not(
    pipeline_app: SynthesizedPipeline,
) -> None:
    # Given the actions of each deployment stage
    by_stage = stages(pipeline_app)
    for stage in ("Dev", "Staging"):
        # Then dev and staging deploy without waiting for anyone
        assert all(a["ActionTypeId"]["Provider"] == "CloudFormation" for a in by_stage[stage]), stage

    # And prod's first action, alone in its run order, is a manual approval before any deploy
    approvals = [a for a in by_stage["Prod"] if a["ActionTypeId"]["Provider"] == "Manual"]
    deploys = [a for a in by_stage["Prod"] if a["ActionTypeId"]["Provider"] == "CloudFormation"]
    assert len(approvals) == 1
    assert deploys
    assert all(approvals[0]["RunOrder"] < deploy["RunOrder"] for deploy in deploys)


def test_each_stage_deploys_the_stacks_make_synth_builds(
    pipeline_app: SynthesizedPipeline, dev_app: Synthesized
) -> None:
    # Given the stacks `cdk synth -c stage=dev` builds (the dev_app fixture, as `make synth` does)
    manifest = json.loads((dev_app.assembly_dir / "manifest.json").read_text())
    plain = {
        artifact["properties"].get("stackName", artifact_id): json.loads(
            (dev_app.assembly_dir / artifact["properties"]["templateFile"]).read_text()
        )
        for artifact_id, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    }
    # When the pipeline's dev stage is read
    staged = pipeline_app.stage_stacks("dev")

    # Then it deploys the same CloudFormation stacks, by the same names
    assert set(staged) == set(plain)
    for name, template in plain.items():
        # And each with the same resources: the same types, the same logical ids (but those CDK derives
        # from a construct path, where the stage appears: security group rules, EventBridge invoke
        # permissions; and the REST deployment, a new one on every change anyway)
        assert Counter(r["Type"] for r in staged[name]["Resources"].values()) == Counter(
            r["Type"] for r in template["Resources"].values()
        ), name
        assert ids_but_rules(staged[name]) == ids_but_rules(template), name
    # And staging and prod deploy the same set, named for their stage
    for stage in ("staging", "prod"):
        assert {name.replace("-dev", f"-{stage}") for name in plain} == set(pipeline_app.stage_stacks(stage))


def test_each_stage_is_built_with_its_own_cdk_json_settings(pipeline_app: SynthesizedPipeline) -> None:
    # Given cdk.json's per-stage blocks
    blocks = cdk_json_context()["stages"]
    for stage in ("dev", "staging", "prod"):
        backend = pipeline_app.stage_stacks(stage)[f"TradeTrack-{stage}"]["Resources"]
        # Then the stage's functions know their stage
        functions = [
            r
            for r in backend.values()
            if r["Type"] == "AWS::Lambda::Function"
            and "POWERTOOLS_SERVICE_NAME" in r["Properties"].get("Environment", {}).get("Variables", {})
        ]
        assert functions
        assert {f["Properties"]["Environment"]["Variables"]["STAGE"] for f in functions} == {stage}
        # And only the stage whose block says so owns the account's API Gateway CloudWatch role
        owns_account = any(r["Type"] == "AWS::ApiGateway::Account" for r in backend.values())
        assert owns_account is blocks[stage]["manageApiGatewayAccount"], stage


def test_the_pipeline_app_synthesizes_offline_without_any_lookup(pipeline_app: SynthesizedPipeline) -> None:
    # Given the pipeline app synthesized without credentials, its stages in a concrete account
    manifests = sorted(Path(pipeline_app.assembly_dir).rglob("manifest.json"))
    assert len(manifests) == 4  # the app and its three stages

    # Then no construct asked for a context lookup (the CLI would need AWS credentials to run one)
    for manifest in manifests:
        assert "missing" not in json.loads(manifest.read_text()), manifest


def test_the_pipeline_app_passes_cdk_nag_and_cfn_lint(pipeline_app: SynthesizedPipeline) -> None:
    # Given the pipeline app's validation report (synth itself raises on an unacknowledged error)
    (nag,) = [r for r in pipeline_app.report["pluginReports"] if r["pluginName"] == "AwsSolutions"]

    # Then no finding is left and every acknowledged one has a reason
    assert nag["violations"] == []
    assert all(len(s["reason"].strip()) > 20 for s in nag["suppressedViolations"])
    # And cfn-lint, as `make synth` runs it, accepts the pipeline stack and its support stack
    templates = sorted(str(path) for path in Path(pipeline_app.assembly_dir).glob("*.template.json"))
    assert len(templates) == 2, templates
    result = subprocess.run(
        [str(CFN_LINT), *templates], capture_output=True, text=True, check=False, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"pipelineConnectionArn": ""}, "connectionArn"),
        ({"pipelineConnectionArn": "arn:aws:secretsmanager:ap-south-1:1:secret:x"}, "connectionArn"),
        ({"pipelineRepository": "no-owner"}, "repository"),
        ({"pipelineAccount": "12345"}, "account"),
        ({"pipelineStages": "dev,dev"}, "stages"),
    ],
)
def test_pipeline_settings_that_cannot_deploy_are_refused(context: dict[str, Any], message: str) -> None:
    # Given pipeline context missing or malformed, and no credentials in the environment
    app = App(context={**cdk_json_context(), **PIPELINE_CONTEXT, **context})

    # When the pipeline settings are read, Then synth stops naming the key
    with pytest.raises(SettingsError, match=message):
        PipelineSettings.from_context(app.node, environ={})


def test_cdk_json_ships_without_a_connection_so_the_pipeline_needs_one() -> None:
    # Given cdk.json as committed, with no pipeline context added
    app = App(context={**cdk_json_context(), "pipeline": "true"})

    # Then the pipeline app refuses to synthesize until ops name their connection (docs/operations.md)
    with pytest.raises(SettingsError, match="connectionArn"):
        PipelineSettings.from_context(app.node, environ={})


def test_a_command_line_value_wins_over_the_stage_block_which_wins_over_defaults() -> None:
    # Given a stage block in context and a top-level -c value for one key
    context = {
        "stages": {"staging": {"logLevel": "DEBUG", "apiThrottleRateLimit": 7}},
        "apiThrottleRateLimit": 9,
    }
    node = App(context=context).node

    # When the staging settings are read
    staging = StageSettings.from_context(node, "staging")

    # Then the block's value applies, the command line's wins, and other keys keep their defaults
    assert staging.log_level == "DEBUG"
    assert staging.throttle_rate_limit == 9
    assert staging.throttle_burst_limit == 200
    # And another stage does not see staging's block
    assert StageSettings.from_context(node, "dev").log_level == "INFO"
