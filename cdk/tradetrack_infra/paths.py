"""Where the repository's deployable pieces live, independent of the current directory."""

from __future__ import annotations

from pathlib import Path

from functions.manifest import FunctionSpec

REPO_ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = REPO_ROOT / "functions"
CORE_LAYER_DIR = REPO_ROOT / "layers" / "core"
DEFAULT_DEPS_LAYER_DIR = REPO_ROOT / "build" / "layers" / "deps"
# `make build`'s copy of CORE_LAYER_DIR with Python 3.12 bytecode beside every module.
BUILT_CORE_LAYER_DIR = REPO_ROOT / "build" / "layers" / "core"

# Never shipped from source directories: bytecode caches (this machine's Python's), the
# Makefile's build stamps, and functions/' lint settings (the docs function ships functions/ whole).
ASSET_EXCLUDES = ["__pycache__", "*.pyc", ".built", "ruff.toml"]
# The built layers keep their bytecode (compiled for the runtime by `make build`): Lambda's /opt is
# read-only, so a layer without it is compiled from source on every cold start.
BUILT_LAYER_EXCLUDES = [".built", ".compiled"]


def function_asset_dir(spec: FunctionSpec) -> Path:
    return FUNCTIONS_DIR if spec.asset == "all" else FUNCTIONS_DIR / spec.name


def resolve_repo_path(path: str | Path) -> Path:
    """An absolute path; relative ones are taken from the repository root."""
    candidate = Path(path)
    return candidate if candidate.is_absolute() else REPO_ROOT / candidate
