"""The two Lambda layers every function uses: the shared `tradetrack` package and its dependencies."""

from __future__ import annotations

import sys
from pathlib import Path

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from tradetrack_infra.paths import ASSET_EXCLUDES, BUILT_CORE_LAYER_DIR, BUILT_LAYER_EXCLUDES, CORE_LAYER_DIR

RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.ARM_64


class MissingDepsLayerError(RuntimeError):
    """The dependencies layer has not been built."""


NO_BYTECODE_WARNING = (
    "WARNING: {path} is not built: the core layer ships its sources without bytecode, which Lambda "
    "compiles on every cold start. Run `make build` (make synth does)."
)


def core_layer_source(built: Path = BUILT_CORE_LAYER_DIR) -> tuple[Path, list[str]]:
    """The core layer's directory and what its asset leaves out: `make build`'s compiled copy, or
    (not built: template tests) the sources without bytecode, with a warning."""
    if (built / ".built").is_file():
        return built, BUILT_LAYER_EXCLUDES
    print(NO_BYTECODE_WARNING.format(path=built), file=sys.stderr)
    return CORE_LAYER_DIR, ASSET_EXCLUDES


class SharedLayers(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        deps_layer_path: Path,
        core_layer_path: Path = BUILT_CORE_LAYER_DIR,
    ) -> None:
        super().__init__(scope, construct_id)
        core_dir, core_excludes = core_layer_source(core_layer_path)
        if not (deps_layer_path / "python").is_dir():
            raise MissingDepsLayerError(
                f"the Lambda dependencies layer is missing: {deps_layer_path}/python does not exist. "
                "Run `make build` (pip installs the arm64 wheels there), "
                "or point the context key depsLayerPath at a built layer."
            )
        self.core = lambda_.LayerVersion(
            self,
            "Core",
            code=lambda_.Code.from_asset(str(core_dir), exclude=core_excludes),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="tradetrack: the shared package (models, db, cache, brokers, analytics)",
        )
        self.deps = lambda_.LayerVersion(
            self,
            "Deps",
            code=lambda_.Code.from_asset(str(deps_layer_path), exclude=BUILT_LAYER_EXCLUDES),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="Third-party packages from layers/deps/requirements.txt (manylinux2014 aarch64)",
        )

    @property
    def all(self) -> list[lambda_.ILayerVersion]:
        return [self.core, self.deps]
