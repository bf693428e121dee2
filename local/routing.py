"""Matching a request to the manifest's REST routes the way API Gateway picks a resource.

A literal segment beats `{param}`, which beats `{proxy+}` (greedy: the rest of the path, at least
one segment). Path parameter values are URL-decoded, as API Gateway passes them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from functions.manifest import FunctionSpec, RestRoute


@dataclass(frozen=True)
class RouteMatch:
    spec: FunctionSpec
    route: RestRoute
    path_parameters: dict[str, str]


@dataclass(frozen=True)
class _Template:
    path: str
    segments: tuple[str, ...]

    def match(self, parts: list[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
        """(specificity per segment, parameters) when `parts` fits this template."""
        params: dict[str, str] = {}
        rank: list[int] = []
        for index, segment in enumerate(self.segments):
            if segment.startswith("{") and segment.endswith("+}"):
                rest = parts[index:]
                if not rest or not all(rest):
                    return None
                params[segment[1:-2]] = unquote("/".join(rest))
                return (*rank, 0), params
            if index >= len(parts):
                return None
            if segment.startswith("{") and segment.endswith("}"):
                if not parts[index]:
                    return None
                params[segment[1:-1]] = unquote(parts[index])
                rank.append(1)
            elif segment == unquote(parts[index]):
                rank.append(2)
            else:
                return None
        return (tuple(rank), params) if len(parts) == len(self.segments) else None


class RestRouter:
    def __init__(self, functions: Iterable[FunctionSpec]) -> None:
        self._routes: list[tuple[_Template, RestRoute, FunctionSpec]] = []
        seen: dict[tuple[str, str], str] = {}
        for spec in functions:
            for route in spec.rest:
                key = (route.method, route.path)
                if key in seen:
                    raise ValueError(
                        f"{route.method} {route.path} is declared by {seen[key]} and {spec.name}"
                    )
                seen[key] = spec.name
                template = _Template(route.path, tuple(route.path.strip("/").split("/")))
                self._routes.append((template, route, spec))

    def _candidates(
        self, path: str
    ) -> list[tuple[tuple[int, ...], str, RestRoute, FunctionSpec, dict[str, str]]]:
        parts = path.strip("/").split("/") if path.strip("/") else []
        found = []
        for template, route, spec in self._routes:
            result = template.match(parts)
            if result is not None:
                found.append((result[0], template.path, route, spec, result[1]))
        return found

    def _resource(self, path: str) -> str | None:
        """The most specific resource path matching `path` (the one API Gateway would pick)."""
        candidates = self._candidates(path)
        return max(candidates, key=lambda c: c[0])[1] if candidates else None

    def match(self, method: str, path: str) -> RouteMatch | None:
        resource = self._resource(path)
        for _, template_path, route, spec, params in self._candidates(path):
            if template_path == resource and route.method == method:
                return RouteMatch(spec, route, params)
        return None

    def methods(self, path: str) -> list[str]:
        """The methods declared on the resource `path` resolves to (for CORS preflight)."""
        resource = self._resource(path)
        return sorted({c[2].method for c in self._candidates(path) if c[1] == resource})
