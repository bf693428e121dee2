"""What a package's `__init__` binds, read from its source without running it: the names it
gathers from its own submodules and the names it binds to literals. tradetrack.coldstart answers
those names of a package whose `__init__` a Lambda cold start skips."""

from __future__ import annotations

import ast
import contextlib
import functools
from typing import Any


def gathered_names(package: str, init_path: str | None) -> dict[str, tuple[str, str]]:
    """The names package `__init__` imports from its own submodules, each with where it comes from.

    Only the `__init__`'s top-level `from <package>.<sub> import name` statements count (relative
    ones too): a name asked of the deferred package is then taken from its submodule alone.
    """
    return bindings(package, init_path)[0]


def literal_names(package: str, init_path: str | None) -> dict[str, Any]:
    """The names package `__init__` binds to a literal at its top level (`ASCENDING = 1`,
    `DESCENDING = -1`, pymongo's) and nowhere else, with their values: a name asked of the deferred
    package is answered from them alone. Dunder names (`__all__`, `__version__`) are not: asking
    for those runs the `__init__`."""
    return bindings(package, init_path)[1]


@functools.cache
def bindings(package: str, init_path: str | None) -> tuple[dict[str, tuple[str, str]], dict[str, Any]]:
    """(gathered names, literal names) of an `__init__`'s top-level statements, a later binding of a
    name replacing an earlier one. Both empty when the `__init__` is not source or does not parse."""
    gathered: dict[str, tuple[str, str]] = {}
    literals: dict[str, Any] = {}
    tree = _parsed(init_path)
    if tree is None:
        return gathered, literals
    rebound: set[str] = set()  # names any other statement binds, anywhere in it
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            gathered.pop(name, None)
            literals.pop(name, None)
            if not name.startswith("__"):
                with contextlib.suppress(ValueError):
                    literals[name] = ast.literal_eval(node.value)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            origin = f"{package}.{node.module}" if node.level == 1 else node.module if node.level == 0 else ""
            for alias in node.names:
                if alias.name == "*":  # binds names unknown here: none bound before it is known now
                    gathered.clear()
                    literals.clear()
                    continue
                bound = alias.asname or alias.name
                gathered.pop(bound, None)
                literals.pop(bound, None)
                if origin.startswith(f"{package}."):
                    gathered[bound] = (origin, alias.name)
        else:
            rebound |= _bound_names(node)
    for name in rebound:  # bound again elsewhere (under an `if`, in a function): not a literal
        literals.pop(name, None)
    return gathered, literals


def _bound_names(statement: ast.stmt) -> set[str]:
    """Every name a statement binds or deletes, anywhere inside it (function bodies included)."""
    names: set[str] = set()
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names.update(node.names)
    return names


@functools.lru_cache(maxsize=1)
def _parsed(init_path: str | None) -> ast.Module | None:
    if not init_path or not init_path.endswith(".py"):
        return None
    try:
        with open(init_path, encoding="utf-8") as source:
            return ast.parse(source.read(), init_path)
    except (OSError, SyntaxError, ValueError):
        return None
