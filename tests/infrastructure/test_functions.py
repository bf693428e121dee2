"""Every manifest function becomes a python3.12 arm64 Lambda with both layers, tracing and its own role."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import App

from functions.manifest import FUNCTIONS, FunctionSpec
from tests.infrastructure.conftest import Synthesized, cdk_json_context
from tradetrack_infra.app_builder import build_app
from tradetrack_infra.layers import MissingDepsLayerError

pytestmark = pytest.mark.infrastructure


def test_each_manifest_function_is_one_lambda(dev_app: Synthesized) -> None:
    # Given the synthesized app
    functions = dev_app.resources("AWS::Lambda::Function")

    manifest_ids = {dev_app.function_id(spec.name) for spec in FUNCTIONS}

    # Then there is exactly one Lambda per manifest entry
    assert len(manifest_ids) == len(FUNCTIONS)
    # And the only other one is the CDK custom-resource framework relaying to auth_keys
    (other,) = [functions[i] for i in functions.keys() - manifest_ids]
    assert other["Properties"]["Description"].startswith("AWS CDK resource provider framework")


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda spec: spec.name)
def test_function_runtime_layers_tracing_and_settings(dev_app: Synthesized, spec: FunctionSpec) -> None:
    # Given the Lambda built from a manifest entry
    props = dev_app.resources("AWS::Lambda::Function")[dev_app.function_id(spec.name)]["Properties"]
    layer_ids = set(dev_app.resources("AWS::Lambda::LayerVersion"))

    # Then it runs the pinned runtime on Graviton, with the core and deps layers, traced by X-Ray
    assert props["Runtime"] == "python3.12"
    assert props["Architectures"] == ["arm64"]
    assert {layer["Ref"] for layer in props["Layers"]} == layer_ids
    assert props["TracingConfig"] == {"Mode": "Active"}
    # And memory, timeout and handler come from the manifest
    assert props["MemorySize"] == spec.memory_mb
    assert props["Timeout"] == spec.timeout_s
    assert props["Handler"] == spec.lambda_handler
    # And it is configured by the env vars tradetrack.config reads, without a secret in them
    variables = props["Environment"]["Variables"]
    assert variables["POWERTOOLS_SERVICE_NAME"] == spec.name
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "TradeTrack"
    assert variables["STAGE"] == "dev"
    assert variables["LOG_LEVEL"] == "INFO"
    # (Mongo's secret ARN and Redis's URL only for the functions that use them: test_least_privilege.py)
    if "mongo" in spec.stores:
        assert variables["MONGODB_URI_SECRET_ARN"] == {"Ref": "MongoUriSecretArn"}
    if "redis" in spec.stores:
        assert variables["REDIS_URL"]["Fn::Join"][1][0] == "rediss://"  # the network stack's cache
    assert "MONGODB_URI" not in variables
    for key, value in spec.environment.items():
        assert variables[key] == value


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda spec: spec.name)
def test_function_logs_to_its_own_group_with_retention(dev_app: Synthesized, spec: FunctionSpec) -> None:
    # Given the Lambda built from a manifest entry
    props = dev_app.resources("AWS::Lambda::Function")[dev_app.function_id(spec.name)]["Properties"]

    # Then it writes to an explicit log group of this stack that expires (30 days outside prod)
    log_group_id = props["LoggingConfig"]["LogGroup"]["Ref"]
    log_group = dev_app.resources("AWS::Logs::LogGroup")[log_group_id]
    assert log_group["Properties"]["RetentionInDays"] == 30


def test_roles_are_per_function_and_use_no_managed_policies(dev_app: Synthesized) -> None:
    # Given the synthesized roles and functions
    roles = dev_app.resources("AWS::IAM::Role")
    function_roles = [
        f["Properties"]["Role"]["Fn::GetAtt"][0] for f in dev_app.resources("AWS::Lambda::Function").values()
    ]

    # Then every function has a role of its own, and no role carries an AWS managed policy
    assert len(set(function_roles)) == len(function_roles)
    assert all("ManagedPolicyArns" not in role["Properties"] for role in roles.values())


def test_layers_target_python312_on_arm64(dev_app: Synthesized) -> None:
    # Given the two shared layers
    layers = dev_app.resources("AWS::Lambda::LayerVersion").values()

    # Then both are built for the functions' runtime and architecture
    assert len(layers) == 2
    for layer in layers:
        assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
        assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]


def test_assets_ship_no_bytecode_caches(dev_app: Synthesized) -> None:
    # Given the staged assets of the synthesized app (layers and function code)
    staged = list(dev_app.assembly_dir.glob("asset.*/**/*"))

    # Then the shared package is there, and no __pycache__ came along
    assert any(path.as_posix().endswith("python/tradetrack/config.py") for path in staged)
    assert not [path for path in staged if "__pycache__" in path.parts or path.suffix == ".pyc"]


def test_synth_without_a_built_deps_layer_says_to_run_make_build(tmp_path: Path) -> None:
    # Given a checkout where `make build` has not run
    app = App(
        context={**cdk_json_context(), "depsLayerPath": str(tmp_path / "missing")}, outdir=str(tmp_path)
    )

    # When the app is built, Then it stops with the command to run
    with pytest.raises(MissingDepsLayerError, match="make build"):
        build_app(app, environ={})
