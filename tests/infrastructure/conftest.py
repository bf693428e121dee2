"""Synthesizes the CDK app in-process, once per session and variant (a synth takes seconds)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# The jsii runtime (started by the first aws_cdk import) warns about the Node version on stderr.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

from aws_cdk import App, NestedStack
from aws_cdk.assertions import Template

from functions.manifest import FUNCTIONS, FunctionSpec, QueueSource, Schedule
from tradetrack_infra.app_builder import build_app, build_pipeline_app
from tradetrack_infra.canary import released
from tradetrack_infra.naming import pascal
from tradetrack_infra.paths import REPO_ROOT
from tradetrack_infra.pipeline import PipelineStack
from tradetrack_infra.stack import TradeTrackStack

# Not in the manifest yet: a function fed by a queue and a schedule, to exercise that wiring.
PROBE = FunctionSpec(
    name="trigger_probe",
    capability="BrokerSync",
    asset="all",
    timeout_s=30,
    schedules=(Schedule("probe-every-5-minutes", "rate(5 minutes)"),),
    queues=(QueueSource("probe-jobs", batch_size=5, max_receive_count=4, visibility_timeout_s=180),),
    stores=("mongo", "redis"),
)
PROBE_CONTEXT = {
    "stage": "probe",
    "redisUrl": "rediss://cache.example.internal:6379/0",
    "mongoUriSecretArn": "arn:aws:secretsmanager:ap-south-1:123456789012:secret:tradetrack/mongo-AbCdEf",
}


def cdk_json_context() -> dict[str, Any]:
    """The context `cdk synth` uses (stage defaults and feature flags), so tests synth the same app."""
    context: dict[str, Any] = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    return context


def fake_deps_layer(root: Path) -> Path:
    """Stands in for build/layers/deps, which only `make build` creates (and build/layers/images
    beside it: the attachment worker's Pillow)."""
    (root / "python").mkdir(parents=True, exist_ok=True)
    (root / "python" / "README.txt").write_text("test stand-in for the dependencies layer\n")
    (root.parent / "images" / "python").mkdir(parents=True, exist_ok=True)
    (root.parent / "images" / "python" / "README.txt").write_text("test stand-in for the images layer\n")
    return root


@dataclass(frozen=True)
class Synthesized:
    stack: TradeTrackStack
    template: Template
    assembly_dir: Path
    functions: Sequence[FunctionSpec]

    @property
    def template_path(self) -> Path:
        return self.assembly_dir / self.stack.template_file

    @property
    def report(self) -> dict[str, Any]:
        path = self.assembly_dir / "validation-report.json"
        return json.loads(path.read_text()) if path.exists() else {"pluginReports": []}

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        found = self.template.find_resources(resource_type)
        return {logical_id: dict(resource) for logical_id, resource in found.items()}

    def invokes(self, name: str, reference: Any) -> bool:
        """Whether `reference` (an integration URI, a permission's or mapping's FunctionName...) names
        what the APIs and queues invoke for function `name`: its `live` alias (canary.py), else itself."""
        spec = next(spec for spec in self.functions if spec.name == name)
        target = f"{pascal(name)}Live" if released(spec) else self.function_id(name)
        return target in json.dumps(reference)

    def nested_resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """Resources of the backend's nested stacks (canary releases, REST routes), by logical id."""
        found: dict[str, dict[str, Any]] = {}
        prefix = "".join(c for c in self.stack.artifact_id if c.isalnum())
        for path in self.assembly_dir.glob(f"{prefix}*.nested.template.json"):
            for logical_id, resource in json.loads(path.read_text())["Resources"].items():
                if resource["Type"] == resource_type:
                    found[logical_id] = resource
        return found

    def nested_templates(self) -> dict[str, dict[str, Any]]:
        """The backend's logical id of each nested stack (canary releases, REST routes) -> its template."""
        found: dict[str, dict[str, Any]] = {}
        for construct in self.stack.node.find_all():
            if isinstance(construct, NestedStack) and construct.nested_stack_parent is self.stack:
                logical_id = self.stack.resolve(construct.nested_stack_resource.logical_id)  # type: ignore[union-attr]
                found[str(logical_id)] = json.loads((self.assembly_dir / construct.template_file).read_text())
        return found

    def with_nested(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """Resources of the backend and of its nested stacks, by logical id, as if one template: in a
        nested stack's resources, a parameter the backend passes in ({"Ref": "referenceto..."}) is
        replaced by what the backend passes ({"Ref": <backend id>}, a GetAtt of another nested
        stack's output), so references read the same wherever the resource lives."""
        found = self.resources(resource_type)
        stacks = self.resources("AWS::CloudFormation::Stack")
        for stack_id, template in self.nested_templates().items():
            given = stacks[stack_id]["Properties"].get("Parameters", {})
            for logical_id, resource in template["Resources"].items():
                if resource["Type"] == resource_type:
                    assert logical_id not in found, f"logical id {logical_id} in two templates"
                    found[logical_id] = _substitute(resource, given)
        return found

    def parent_id(self, parameter: Any) -> str:
        """The backend's logical id that a nested stack's parameter ({"Ref": "referenceto..."}) passes in,
        read from the parameters the backend gives its nested stacks."""
        name = str(parameter["Ref"])
        for nested in self.resources("AWS::CloudFormation::Stack").values():
            value = nested["Properties"].get("Parameters", {}).get(name)
            if value is not None:
                return str(value["Ref"] if "Ref" in value else value["Fn::GetAtt"][0])
        raise AssertionError(f"no nested stack parameter {name}")

    def function_id(self, name: str) -> str:
        """Logical id of the Lambda function built from the manifest entry `name`."""
        for logical_id, resource in self.resources("AWS::Lambda::Function").items():
            variables = resource["Properties"].get("Environment", {}).get("Variables", {})
            if variables.get("POWERTOOLS_SERVICE_NAME") == name:
                return logical_id
        raise AssertionError(f"no Lambda function for manifest entry {name!r}")


def _substitute(value: Any, parameters: Mapping[str, Any]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in parameters:
            return parameters[value["Ref"]]
        return {key: _substitute(item, parameters) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, parameters) for item in value]
    return value


def synthesize(
    outdir: Path,
    deps_dir: Path,
    *,
    functions: Sequence[FunctionSpec] = FUNCTIONS,
    context: Mapping[str, Any] | None = None,
) -> Synthesized:
    app = App(context={**cdk_json_context(), **(context or {})}, outdir=str(outdir))
    stack = build_app(app, functions=functions, deps_layer_path=fake_deps_layer(deps_dir), environ={})
    assembly = app.synth()  # runs cdk-nag; an unacknowledged error raises here
    return Synthesized(stack, Template.from_stack(stack), Path(assembly.directory), functions)


@pytest.fixture(scope="session")
def dev_app(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The app `cdk synth -c stage=dev` builds, from the real manifest."""
    root = tmp_path_factory.mktemp("dev")
    return synthesize(root / "cdk.out", root / "deps", context={"stage": "dev"})


@pytest.fixture(scope="session")
def probe_app(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The manifest plus PROBE, with Mongo and Redis given as context instead of parameters."""
    root = tmp_path_factory.mktemp("probe")
    return synthesize(root / "cdk.out", root / "deps", functions=(*FUNCTIONS, PROBE), context=PROBE_CONTEXT)


# The deploy pipeline (`cdk synth -c pipeline=true`), offline: no credentials, made-up ids (test_pipeline.py).
PIPELINE_CONTEXT = {
    "pipeline": "true",
    "pipelineConnectionArn": (
        "arn:aws:codestar-connections:ap-south-1:123456789012:connection/0f1e2d3c-4b5a-6978-8899-aabbccddeeff"
    ),
    "pipelineRepository": "tradetrack-org/tradetrack",
    "pipelineAccount": "123456789012",
}


@dataclass(frozen=True)
class SynthesizedPipeline:
    stack: PipelineStack
    template: Template
    assembly_dir: Path

    @property
    def report(self) -> dict[str, Any]:
        path = self.assembly_dir / "validation-report.json"
        return json.loads(path.read_text()) if path.exists() else {"pluginReports": []}

    def stage_stacks(self, stage: str) -> dict[str, dict[str, Any]]:
        """Stack name -> template of every stack the pipeline's `stage` deploys."""
        stage_dir = self.assembly_dir / f"assembly-TradeTrackPipeline-{stage.capitalize()}"
        manifest = json.loads((stage_dir / "manifest.json").read_text())
        return {
            artifact["properties"].get("stackName", artifact_id): json.loads(
                (stage_dir / artifact["properties"]["templateFile"]).read_text()
            )
            for artifact_id, artifact in manifest["artifacts"].items()
            if artifact["type"] == "aws:cloudformation:stack"
        }


@pytest.fixture(scope="session")
def pipeline_app(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedPipeline:
    """The pipeline app `make synth PIPELINE=1` builds: the pipeline stack and its dev, staging and
    prod stages, each with cdk.json's settings for it."""
    root = tmp_path_factory.mktemp("pipeline")
    app = App(context={**cdk_json_context(), **PIPELINE_CONTEXT}, outdir=str(root / "cdk.out"))
    stack = build_pipeline_app(app, deps_layer_path=fake_deps_layer(root / "deps"), environ={})
    assembly = app.synth()  # runs cdk-nag on the pipeline and on every stage; an error raises here
    return SynthesizedPipeline(stack, Template.from_stack(stack), Path(assembly.directory))
