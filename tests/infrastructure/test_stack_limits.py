"""Every stack `make synth` and the pipeline build stays inside CloudFormation's hard limits: 500
resources, 200 parameters and 200 outputs a template, 1 MB a template body (uploaded to S3)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.infrastructure.conftest import Synthesized, SynthesizedPipeline
from tradetrack_infra.api_routes import ROUTE_STACKS

pytestmark = pytest.mark.infrastructure

MAX_RESOURCES = 500
MAX_PARAMETERS = 200
MAX_OUTPUTS = 200
MAX_TEMPLATE_BYTES = 1_000_000
# The backend stack is the one near the limit: keep room for a fix without splitting it again.
BACKEND_BUDGET = 495
# Each nested stack (canary releases, REST routes): room to split a route stack's letters before 500.
NESTED_BUDGET = 450


def templates(assembly_dir: Path) -> Iterator[tuple[str, dict[str, Any], int]]:
    """(file name, template, size in bytes) of every template in a cloud assembly, nested stacks and
    nested assemblies (the pipeline's stages) included."""
    for path in sorted(assembly_dir.rglob("*.template.json")):
        text = path.read_text()
        yield path.name, json.loads(text), len(text.encode())


def resource_count(name: str, template: dict[str, Any]) -> int:
    # `cdk synth` adds CDKMetadata to each top-level stack, which an in-process synth leaves out.
    count = len(template.get("Resources", {}))
    return count if ".nested." in name or "CDKMetadata" in template.get("Resources", {}) else count + 1


def assert_within_limits(assembly_dir: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for name, template, size in templates(assembly_dir):
        counts[name] = resource_count(name, template)
        assert counts[name] < MAX_RESOURCES, (name, counts[name])
        assert len(template.get("Parameters", {})) <= MAX_PARAMETERS, name
        assert len(template.get("Outputs", {})) <= MAX_OUTPUTS, name
        assert size <= MAX_TEMPLATE_BYTES, (name, size)
    assert counts, f"no template in {assembly_dir}"
    return counts


@pytest.mark.parametrize("variant", ["dev_app", "probe_app"])
def test_every_stack_of_a_stage_stays_under_the_limits(variant: str, request: pytest.FixtureRequest) -> None:
    # Given the stacks `cdk synth -c stage=...` writes (the probe adds a queue- and schedule-fed function)
    app: Synthesized = request.getfixturevalue(variant)

    # When each template is counted, Then none reaches a CloudFormation limit
    counts = assert_within_limits(app.assembly_dir)
    # And the backend, the fullest, keeps its budget below 500
    backend = counts[app.stack.template_file]
    assert backend <= BACKEND_BUDGET, backend
    # And the canary releases live in a nested stack of their own, the backend counting it as one
    nested = {name: count for name, count in counts.items() if ".nested." in name}
    assert len([name for name in nested if "Releases" in name]) == 1
    assert not app.resources("AWS::Lambda::Alias")
    assert not app.resources("AWS::CodeDeploy::DeploymentGroup")
    # And so do the REST API's methods and resources below /v1, in the route stacks (api_routes.py)
    route_stacks = [name for name in nested if any(f"Api{stack}" in name for stack, _ in ROUTE_STACKS)]
    assert len(route_stacks) == len(ROUTE_STACKS)
    assert len(app.resources("AWS::CloudFormation::Stack")) == 1 + len(route_stacks) == len(nested)
    assert not app.resources("AWS::ApiGateway::Method")
    in_backend = app.resources("AWS::ApiGateway::Resource").values()
    assert [r["Properties"]["PathPart"] for r in in_backend] == ["v1"]
    # And every nested stack keeps its own budget
    print(f"{app.stack.template_file}: {backend} resources; nested: {nested}")
    assert all(count <= NESTED_BUDGET for count in nested.values()), nested


def test_every_stack_the_pipeline_deploys_stays_under_the_limits(pipeline_app: SynthesizedPipeline) -> None:
    # Given the pipeline app: its own stack, its cross-region support stack, every stage's stacks
    counts = assert_within_limits(pipeline_app.assembly_dir)

    # Then each stage's backend keeps the budget too (prod's settings differ from dev's), and so
    # does each nested stack of every stage
    for stage in ("dev", "staging", "prod"):
        backend = pipeline_app.stage_stacks(stage)[f"TradeTrack-{stage}"]
        assert len(backend["Resources"]) + 1 <= BACKEND_BUDGET, stage
    nested = {name: count for name, count in counts.items() if ".nested." in name}
    assert len(nested) == 3 * (1 + len(ROUTE_STACKS))
    assert all(count <= NESTED_BUDGET for count in nested.values()), nested
    # And the pipeline's own stack is small (one asset-publishing project, not one per asset)
    assert counts["TradeTrackPipeline.template.json"] < 50
