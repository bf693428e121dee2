"""Where the repository's deployable pieces live, independent of the current directory."""

from __future__ import annotations

from pathlib import Path

from functions.manifest import FunctionSpec

REPO_ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = REPO_ROOT / "functions"
CORE_LAYER_DIR = REPO_ROOT / "layers" / "core"
DEFAULT_DEPS_LAYER_DIR = REPO_ROOT / "build" / "layers" / "deps"

# Never shipped: bytecode caches and the Makefile's build stamp.
ASSET_EXCLUDES = ["__pycache__", "*.pyc", ".built"]


def function_asset_dir(spec: FunctionSpec) -> Path:
    return FUNCTIONS_DIR if spec.asset == "all" else FUNCTIONS_DIR / spec.name


def resolve_repo_path(path: str | Path) -> Path:
    """An absolute path; relative ones are taken from the repository root."""
    candidate = Path(path)
    return candidate if candidate.is_absolute() else REPO_ROOT / candidate
