"""What a Lambda cold start skips: garbage collection passes, and third-party package `__init__`s.

**The collector.** A cold start imports 600-800 modules (Powertools, pydantic, pymongo, redis,
numpy, ours) whose objects live as long as the container. The collector's passes over them during
the import free next to nothing, and they cost more as the heap grows: about 130 young and 10
middle passes and one full pass over ~67,000 objects for analytics, 5% of its init's instructions
and more of its time (each pass walks memory the import has just left). So in Lambda only
(AWS_LAMBDA_FUNCTION_NAME is set), `import tradetrack` pauses it, and building the handler's entry
point (`logger.inject_lambda_context`, the last step of every handler module;
tradetrack.observability) resumes it, after `gc.freeze()` has put what the import made out of the
collector's sight for good: no pass, then or later, walks it again.

**Package `__init__`s.** `redis/__init__` imports its asyncio client (`redis.asyncio`: client,
cluster, sentinel, multi-database support) and the sync cluster, sentinel and keyspace-notification
clients, none of which this code uses; ~58 M instructions of every cold start (~5% of health's).
In Lambda, `import tradetrack` registers such packages without running their `__init__`
(`defer_package_init`): their submodules (`redis.client`, `redis.exceptions`, ...) import as
usual, and the first use of a name the `__init__` defines (`redis.Redis`, `from redis import
Redis`) runs it then, in full, so every name is there when asked for. The code here asks for
submodules' names (`redis.client.Redis`), so the `__init__` never runs in a Lambda container.
Powertools' `event_handler` and `utilities.data_classes` `__init__`s gather every resolver (AppSync,
Bedrock, VPC Lattice, ...) and every event class (~45): the names they gather from their own
submodules (`gathered_names`) are answered by importing that submodule alone (`Response` from
`event_handler.api_gateway`, `S3Event` from `data_classes.s3_event`), ~45-80 M instructions of each
cold start. A handler imports tradetrack before any third-party package (functions/ruff.toml), so
these are registered before its first Powertools import.
numpy (~227 M instructions, analytics' cold start) is deferred whole: `import numpy as np` binds the
registered package, and the first name asked of it (`np.zeros`, a submodule's import) runs numpy's
`__init__` first, so a route that computes nothing (a cached summary, the FMV list) never loads it
and the first computation does (tests/integration/test_cold_start_analytics.py). Its typing
imports are for the type checker only (`if TYPE_CHECKING`).

Tests and the local stack (no AWS_LAMBDA_FUNCTION_NAME) keep both as they are (docs/performance.md,
"Cold start"; tests/unit/test_cold_start.py checks both).
"""

from __future__ import annotations

import ast
import gc
import importlib
import os
import sys
import threading
from importlib.machinery import PathFinder
from importlib.util import module_from_spec
from types import ModuleType
from typing import Any

_state = {"paused": False}

# Packages whose `__init__` a Lambda cold start skips (parents before their subpackages).
DEFERRED_INITS = (
    "redis",
    "redis.asyncio",
    "numpy",
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.utilities.data_classes",
)
# Of those, the ones whose submodules need the `__init__` to have run (numpy's C core expects it):
# any name asked of them, a submodule's too, runs the `__init__` first.
INIT_FIRST = frozenset({"numpy"})
# And the ones whose `__init__` only gathers its submodules' names, answered from those submodules.
GATHERING = frozenset({"aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities.data_classes"})


def in_lambda() -> bool:
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))


def pause_collector() -> None:
    """In Lambda, stop automatic collection until `resume_collector()`; elsewhere nothing."""
    if in_lambda() and gc.isenabled() and not _state["paused"]:
        gc.disable()
        _state["paused"] = True


def resume_collector() -> None:
    """End the pause (once): what the cold start allocated is frozen, then collection resumes."""
    if _state["paused"]:
        _state["paused"] = False
        gc.freeze()
        gc.enable()


def defer_package_inits() -> None:
    """In Lambda, `defer_package_init` each of DEFERRED_INITS; elsewhere nothing."""
    if in_lambda():
        import aws_lambda_powertools.utilities  # noqa: F401 - the deferred Powertools packages' parents

        for name in DEFERRED_INITS:
            defer_package_init(name, submodules_alone=name not in INIT_FIRST, gather=name in GATHERING)


def defer_package_init(
    name: str, *, submodules_alone: bool = True, gather: bool = False
) -> ModuleType | None:
    """Register package `name` in sys.modules without running its `__init__`.

    Its submodules import as usual (an attribute naming a submodule imports it). Any other name
    asked of the package runs the `__init__` first, once, in the same module object: afterwards the
    package is what a plain import makes. With `submodules_alone` false, importing a submodule
    runs the `__init__` first too: the package's `__path__`, which the import system reads for any
    submodule, is held back until then. With `gather`, a name the `__init__` gathers from one of
    its submodules (`gathered_names`) is that submodule's, imported alone. Nothing when the package
    is imported already, or missing.
    """
    if name in sys.modules:
        return None
    parent_name, _, child = name.rpartition(".")
    parent = sys.modules.get(parent_name) if parent_name else None
    if parent_name and parent is None:
        return None
    spec = PathFinder.find_spec(name, getattr(parent, "__path__", None))
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return None
    module = module_from_spec(spec)
    path = module.__dict__["__path__"] if submodules_alone else module.__dict__.pop("__path__")
    lock = threading.RLock()
    gathered = gathered_names(name, spec.origin) if submodules_alone and gather else {}

    def __getattr__(attr: str) -> Any:  # noqa: N807 - the module-level hook (PEP 562)
        if attr in gathered:
            source, source_attr = gathered[attr]
            value = getattr(importlib.import_module(source), source_attr)
            module.__dict__[attr] = value
            return value
        if submodules_alone and PathFinder.find_spec(f"{name}.{attr}", path) is not None:
            return importlib.import_module(f"{name}.{attr}")
        with lock:
            if module.__dict__.pop("__getattr__", None) is not None:
                assert spec.loader is not None
                module.__dict__["__path__"] = path
                spec.loader.exec_module(module)  # the package's __init__, now
        return getattr(module, attr)

    module.__dict__["__getattr__"] = __getattr__
    sys.modules[name] = module
    if parent is not None:
        setattr(parent, child, module)
    # A gathered name that is also a submodule's (`from .event_source import event_source`): the
    # `__init__` binds its own over the submodule, and the import system binds the submodule on its
    # first import (setattr on the package): the package's class keeps the `__init__`'s instead.
    entries = (
        {entry.partition(".")[0] for directory in path for entry in _listdir(directory)}
        if gathered
        else set()
    )
    shadowed = {attr: source for attr, source in gathered.items() if attr in entries}
    if shadowed:
        module.__dict__["_shadowed_by_init"] = shadowed
        module.__class__ = _ShadowingPackage
    return module


def _listdir(directory: str) -> list[str]:
    try:
        return os.listdir(directory)
    except OSError:
        return []


class _ShadowingPackage(ModuleType):
    """A deferred package whose `__init__` binds names over submodules of the same name."""

    def __setattr__(self, attr: str, value: Any) -> None:
        shadowed: dict[str, tuple[str, str]] = self.__dict__["_shadowed_by_init"]
        if attr in shadowed and isinstance(value, ModuleType) and value.__name__ == shadowed[attr][0]:
            value = getattr(value, shadowed[attr][1])  # the submodule's name, as the `__init__` binds it
        super().__setattr__(attr, value)


def gathered_names(package: str, init_path: str | None) -> dict[str, tuple[str, str]]:
    """The names package `__init__` imports from its own submodules, each with where it comes from.

    Only the `__init__`'s top-level `from <package>.<sub> import name` statements count (relative
    ones too): a name asked of the deferred package is then taken from its submodule alone.
    """
    if not init_path or not init_path.endswith(".py"):
        return {}
    try:
        with open(init_path, encoding="utf-8") as source:
            tree = ast.parse(source.read(), init_path)
    except (OSError, SyntaxError, ValueError):
        return {}
    names: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.ImportFrom) or node.module is None:
            continue
        origin = f"{package}.{node.module}" if node.level == 1 else node.module if node.level == 0 else ""
        if not origin.startswith(f"{package}."):
            continue
        for alias in node.names:
            if alias.name != "*":
                names[alias.asname or alias.name] = (origin, alias.name)
    return names
