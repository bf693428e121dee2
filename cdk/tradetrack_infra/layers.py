"""The two Lambda layers every function uses: the shared `tradetrack` package and its dependencies."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from tradetrack_infra.paths import ASSET_EXCLUDES, CORE_LAYER_DIR

RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.ARM_64


class MissingDepsLayerError(RuntimeError):
    """The dependencies layer has not been built."""


class SharedLayers(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, deps_layer_path: Path) -> None:
        super().__init__(scope, construct_id)
        if not (deps_layer_path / "python").is_dir():
            raise MissingDepsLayerError(
                f"the Lambda dependencies layer is missing: {deps_layer_path}/python does not exist. "
                "Run `make build` (pip installs the arm64 wheels there), "
                "or point the context key depsLayerPath at a built layer."
            )
        self.core = lambda_.LayerVersion(
            self,
            "Core",
            code=lambda_.Code.from_asset(str(CORE_LAYER_DIR), exclude=ASSET_EXCLUDES),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="tradetrack: the shared package (models, db, cache, brokers, analytics)",
        )
        self.deps = lambda_.LayerVersion(
            self,
            "Deps",
            code=lambda_.Code.from_asset(str(deps_layer_path), exclude=ASSET_EXCLUDES),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="Third-party packages from layers/deps/requirements.txt (manylinux2014 aarch64)",
        )

    @property
    def all(self) -> list[lambda_.ILayerVersion]:
        return [self.core, self.deps]
