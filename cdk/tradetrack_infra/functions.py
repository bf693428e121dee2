"""Every function in the manifest, grouped under one construct per owning capability."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from constructs import Construct

from functions.manifest import FunctionSpec
from tradetrack_infra.manifest_function import FunctionDeps, ManifestFunction
from tradetrack_infra.nag import acknowledge


class ManifestFunctions(Construct):
    """Functions/<Capability>/<name> for every spec; `by_name` maps a function name to its construct."""

    def __init__(
        self, scope: Construct, construct_id: str, *, specs: Sequence[FunctionSpec], deps: FunctionDeps
    ) -> None:
        super().__init__(scope, construct_id)
        names = [spec.name for spec in specs]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"function names must be unique in the manifest: {', '.join(duplicates)}")
        built: dict[str, ManifestFunction] = {}
        capabilities: dict[str, Construct] = {}
        for spec in specs:
            if spec.capability not in capabilities:
                capabilities[spec.capability] = Construct(self, spec.capability)
            built[spec.name] = ManifestFunction(capabilities[spec.capability], spec, deps)
        self.by_name: Mapping[str, ManifestFunction] = MappingProxyType(built)
        # Once for every manifest function: they share one runtime (tradetrack_infra.layers.RUNTIME).
        acknowledge(
            self,
            "AwsSolutions-L1",
            "The runtime is pinned to python3.12 by ARCHITECTURE.md: the layers are built for it (pip "
            "--python-version 3.12, 3.12 bytecode); moving runtimes is a deliberate, tested change.",
        )
