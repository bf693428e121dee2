"""The two Lambda layers every function uses: the shared `tradetrack` package and its dependencies;
and the layers only some functions carry (FunctionSpec.layers): "images", Pillow for the attachment
worker (layers/images/requirements.txt, built by `make build` beside the deps layer)."""

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


def images_layer_dir(deps_layer_path: Path) -> Path:
    """The images layer is built beside the deps layer (build/layers/images: `make build`)."""
    return deps_layer_path.parent / "images"


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
        self._images_path = images_layer_dir(deps_layer_path)
        self._extra: dict[str, lambda_.LayerVersion] = {}

    def function_layer(self, name: str) -> lambda_.LayerVersion:
        """A layer only some functions carry, made on first use (a stack none uses has none)."""
        if name != "images":
            raise ValueError(f"no layer named {name!r} (functions/manifest.py Layer)")
        if name not in self._extra:
            if not (self._images_path / "python").is_dir():
                raise MissingDepsLayerError(
                    f"the images layer is missing: {self._images_path}/python does not exist. "
                    "Run `make build`."
                )
            self._extra[name] = lambda_.LayerVersion(
                self,
                "Images",
                code=lambda_.Code.from_asset(str(self._images_path), exclude=BUILT_LAYER_EXCLUDES),
                compatible_runtimes=[RUNTIME],
                compatible_architectures=[ARCHITECTURE],
                description="Pillow from layers/images/requirements.txt, for the attachment worker only",
            )
        return self._extra[name]

    def for_function(self, layers: tuple[str, ...]) -> list[lambda_.ILayerVersion]:
        """The shared layers and the function's own (FunctionSpec.layers)."""
        return [*self.all, *(self.function_layer(name) for name in layers)]

    @property
    def all(self) -> list[lambda_.ILayerVersion]:
        return [self.core, self.deps]

    @property
    def every(self) -> list[lambda_.ILayerVersion]:
        """The shared layers and every function-only layer made so far."""
        return [*self.all, *self._extra.values()]
