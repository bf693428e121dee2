"""Every manifest function becomes a python3.12 arm64 Lambda with both layers, tracing and its own role."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import App, Stack

from functions.manifest import FUNCTIONS, FunctionSpec
from tests.infrastructure.conftest import Synthesized, cdk_json_context
from tradetrack_infra.app_builder import build_app
from tradetrack_infra.layers import MissingDepsLayerError, SharedLayers, core_layer_source
from tradetrack_infra.paths import CORE_LAYER_DIR

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
    shared = {i for i in layer_ids if i.startswith(("LayersCore", "LayersDeps"))}
    own = {i for i in layer_ids if any(i.startswith(f"Layers{name.title()}") for name in spec.layers)}

    # Then it runs the pinned runtime on Graviton, with the core and deps layers (and those the
    # manifest gives it alone: the attachment worker's images layer), traced by X-Ray
    assert props["Runtime"] == "python3.12"
    assert props["Architectures"] == ["arm64"]
    assert len(shared) == 2 and len(own) == len(spec.layers)
    assert {layer["Ref"] for layer in props["Layers"]} == shared | own
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
    # Given the two shared layers and those only some functions carry (the worker's images layer)
    layers = dev_app.resources("AWS::Lambda::LayerVersion").values()

    # Then each is built for the functions' runtime and architecture
    assert len(layers) == 2 + len({name for spec in FUNCTIONS for name in spec.layers})
    for layer in layers:
        assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
        assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]


def test_assets_ship_no_bytecode_of_this_machines_python(dev_app: Synthesized) -> None:
    # Given the staged assets of the synthesized app (layers and function code)
    staged = list(dev_app.assembly_dir.glob("asset.*/**/*"))

    # Then the shared package is there, and no bytecode but the runtime's (3.12) came along
    assert any(path.as_posix().endswith("python/tradetrack/config.py") for path in staged)
    assert not [path for path in staged if path.suffix == ".pyc" and ".cpython-312." not in path.name]
    # And the function code ships as source (Lambda compiles the handler module itself)
    handlers = [path for path in staged if path.name == "handler.py"]
    assert handlers
    assert not [path for path in staged if "__pycache__" in path.parts and "functions" in path.parts]


def test_built_layers_ship_their_runtime_bytecode(tmp_path: Path) -> None:
    # Given layers as `make build` leaves them: 3.12 bytecode beside the modules, and build stamps
    core, deps = tmp_path / "core", tmp_path / "deps"
    for layer, package in ((core, "tradetrack"), (deps, "pydantic")):
        cache = layer / "python" / package / "__pycache__"
        cache.mkdir(parents=True)
        (layer / "python" / package / "__init__.py").write_text("")
        (cache / "__init__.cpython-312.pyc").write_bytes(b"\xcb\x0d\x0d\x0a")
        (layer / ".built").write_text("")
    (deps / ".compiled").write_text("")
    app = App(outdir=str(tmp_path / "cdk.out"))
    stack = Stack(app, "Layers")

    # When the layers are synthesized
    SharedLayers(stack, "Shared", deps_layer_path=deps, core_layer_path=core)
    assembly = Path(app.synth().directory)

    # Then both assets carry the bytecode, and neither carries a build stamp
    staged = [path.relative_to(assembly).as_posix() for path in assembly.glob("asset.*/**/*")]
    assert sum(name.endswith("tradetrack/__pycache__/__init__.cpython-312.pyc") for name in staged) == 1
    assert sum(name.endswith("pydantic/__pycache__/__init__.cpython-312.pyc") for name in staged) == 1
    assert not [name for name in staged if name.endswith((".built", ".compiled"))]


def test_an_unbuilt_core_layer_ships_sources_and_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a checkout where `make build` has not staged the core layer
    # When its source is chosen
    directory, excludes = core_layer_source(tmp_path / "not-built")

    # Then it is the source directory without bytecode caches, and the synth says to run make build
    assert directory == CORE_LAYER_DIR
    assert {"__pycache__", "*.pyc"} <= set(excludes)
    assert "make build" in capsys.readouterr().err


def test_synth_without_a_built_deps_layer_says_to_run_make_build(tmp_path: Path) -> None:
    # Given a checkout where `make build` has not run
    app = App(
        context={**cdk_json_context(), "depsLayerPath": str(tmp_path / "missing")}, outdir=str(tmp_path)
    )

    # When the app is built, Then it stops with the command to run
    with pytest.raises(MissingDepsLayerError, match="make build"):
        build_app(app, environ={})
