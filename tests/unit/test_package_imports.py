"""The imports between tradetrack's packages (and top-level modules): no new two-way import, and
the broker area (brokers, accounts, sync) on no import cycle at all.

Every `import tradetrack.X` / `from tradetrack.X ...` in the layer, lazy ones in functions included,
is an edge from the importing package to X. A pair of packages importing each other must be one of
the two-way imports that existed when this test was written, each allow-listed below with the
reason it exists. (Longer cycles run through those pairs today, e.g. analytics -> db -> models ->
analytics: the broker area must be in none of them.)
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "layers" / "core" / "python" / "tradetrack"

# The two-way imports of the baseline (a pair, either direction), with why each exists. Remove a
# pair when it is untangled: the test fails on a pair that is no longer a cycle, so the list shrinks.
ALLOWED: Mapping[frozenset[str], str] = {
    frozenset({"auth", "models"}): "models/security.py and models/users.py validate passwords with "
    "auth.passwords' rules; auth/service.py and auth/audit_log.py build the models' payloads",
    frozenset({"analytics", "trades"}): "trades.py applies analytics' adjustments and expiry rules and "
    "refreshes daily P&L; analytics/cache.py keys cached answers by trades.analytics_version",
    frozenset({"analytics", "models"}): "models/trades.py types its payload with analytics' Category "
    "and Direction; analytics' services answer with the models' payloads",
    frozenset({"market", "models"}): "models/market.py validates symbols with market.symbols; "
    "market/service.py answers with models.market's payloads",
    frozenset({"market", "websocket"}): "market/feed.py posts ticks through websocket's fan-out and "
    "disconnects gone clients; websocket/actions.py subscribes clients to market symbols",
}

Edges = dict[tuple[str, str], set[str]]


def _targets(node: ast.AST) -> Iterator[str]:
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        if node.module == "tradetrack":
            yield from (alias.name for alias in node.names)
        elif node.module.startswith("tradetrack."):
            yield node.module.split(".")[1]
    elif isinstance(node, ast.Import):
        yield from (alias.name.split(".")[1] for alias in node.names if alias.name.startswith("tradetrack."))


def package_imports(root: Path = PACKAGE) -> Edges:
    """(importer, imported) -> the files making that import; a package is tradetrack's first level
    (a directory, or a top-level module such as trades.py)."""
    edges: Edges = {}
    for path in sorted(root.rglob("*.py")):
        source = path.relative_to(root)
        importer = source.parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            for imported in _targets(node):
                if imported != importer:
                    edges.setdefault((importer, imported), set()).add(source.as_posix())
    return edges


def components(edges: Edges) -> dict[str, int]:
    """Each package's strongly connected component (Tarjan), as a number."""
    graph: dict[str, list[str]] = {}
    for a, b in edges:
        graph.setdefault(a, []).append(b)
        graph.setdefault(b, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    component: dict[str, int] = {}

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            number = len(set(component.values()))
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component[member] = number
                if member == node:
                    break

    for node in graph:
        if node not in index:
            visit(node)
    return component


def two_way(edges: Edges) -> dict[frozenset[str], set[str]]:
    """The pairs of packages that import each other, with the files making either import."""
    return {
        frozenset(pair): files | edges[(pair[1], pair[0])]
        for pair, files in edges.items()
        if (pair[1], pair[0]) in edges
    }


def test_no_two_way_import_beyond_the_allowed_baseline() -> None:
    # Given every import between tradetrack's packages
    edges = package_imports()
    assert ("sync", "brokers") in edges  # the walk sees the package (the sync worker reads brokers)
    # When the pairs importing each other are listed
    pairs = two_way(edges)
    # Then each is an allow-listed one
    new = sorted(
        f"{' <-> '.join(sorted(pair))} ({', '.join(sorted(files))})"
        for pair, files in pairs.items()
        if pair not in ALLOWED
    )
    assert not new, "new two-way import(s) between tradetrack packages:\n" + "\n".join(new)
    # And every allow-listed pair still is one (an untangled pair leaves the list)
    assert set(ALLOWED) <= set(pairs), f"no longer two-way, remove from ALLOWED: {set(ALLOWED) - set(pairs)}"


def test_the_broker_area_is_on_no_import_cycle() -> None:
    # Given the broker area's packages
    edges = package_imports()
    component = components(edges)
    # Then accounts uses sync and brokers, sync uses brokers, and nothing points back
    assert {("accounts", "sync"), ("accounts", "brokers"), ("sync", "brokers")} <= set(edges)
    back = {("brokers", "sync"), ("brokers", "accounts"), ("sync", "accounts")} & set(edges)
    assert not back, {pair: edges[pair] for pair in back}
    # And none of them is on a cycle of any length (each is alone in its strongly connected component)
    for package in ("brokers", "accounts", "sync"):
        together = sorted(other for other, number in component.items() if number == component[package])
        assert together == [package], f"{package} is on an import cycle with {together}"


def test_a_new_two_way_import_is_found() -> None:
    # Given the real imports plus a made-up one back from brokers to sync
    edges = package_imports()
    edges[("brokers", "sync")] = {"brokers/made_up.py"}
    # When the pairs and cycles are found / Then brokers <-> sync is a new two-way import, on a cycle
    assert frozenset({"brokers", "sync"}) in two_way(edges)
    assert frozenset({"brokers", "sync"}) not in ALLOWED
    component = components(edges)
    assert component["brokers"] == component["sync"]
