"""What the code asks of MongoDB, recorded from the wire and checked against the declared indexes.

A pymongo CommandListener on the suite's client sees every command. Each command the product
sends (its innermost caller outside pymongo is in the layer, a handler, the local stack or a
script; the tests' own reads are left out) is reduced to its shape: collection, equality keys,
range keys, sort keys and projection. A shape is served when an index in
``tradetrack.db.indexes.INDEXES`` bounds it by MongoDB's prefix rules: the index starts with
equality keys of the query (any order), then the sort keys in order (all in the index's
direction or all reversed; equality keys may sit between them), then a range key. Whatever
the index leaves out is a residual filter: the shape is still served, and the report says so.
A shape that no index bounds, or whose sort would run in memory, is a failure unless
``SCANS`` lists its caller with a reason.

The local store adds one rule of its own: FerretDB v1 pushes only equalities down to its SQL, so a
find, update or delete that filters ``_id: {$in: [...]}`` with no equality key beside it reads the
whole collection there (every user's documents), though MongoDB serves it from ``_id_``. Such a
shape fails unless ``ID_IN_LEFT`` names its collection and module with a reason;
``tradetrack.db.filters`` builds the filters that pass (the owner beside the ``$in``, one value as
an equality, or one ``_id`` equality per document).

The same listener counts round trips and returned documents inside a window, for the
per-request budgets in tests (``Recorder.window``).
"""

from __future__ import annotations

import json
import sys
import threading
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from pymongo import monitoring

from tradetrack.db.indexes import INDEXES, SCANS

READS = frozenset({"find", "aggregate", "count", "distinct", "getMore"})
WRITES = frozenset({"insert", "update", "delete", "findAndModify"})
_SHAPED = {
    "find": "filter",
    "count": "query",
    "distinct": "query",
    "findAndModify": "query",
}
_BOUNDING = frozenset({"$gt", "$gte", "$lt", "$lte"})
_EQUALITY = frozenset({"$eq", "$in", "$all", "$elemMatch"})
_ID_IN_COMMANDS = frozenset({"find", "update", "delete", "findAndModify"})
ID_IN_REASON = (
    "`_id $in` with no equality key beside it: FerretDB v1 reads the whole collection "
    "(name the owner: tradetrack.db.filters.owned_ids; or one `_id` equality each: each_id)"
)
# The `_id $in` reads and writes left without an equality ("collection:module" of the origin),
# each with why; a new one fails instead.
ID_IN_LEFT: dict[str, str] = {
    "executions:tradetrack.db.executions": "executions_by_id reads fills whoever owns them (the "
    "caller checks the owner afterwards)",
    "instrument_aliases:tradetrack.db.instrument_aliases": "platform reference data: no owner to "
    "name, one small collection shared by every user",
    "corporate_actions:tradetrack.db.corporate_actions": "platform and user scopes together (scope "
    "`$in`): a small collection, read when actions are saved",
    "orders:tradetrack.db.orders": "only when a batch of orders spans several users or accounts "
    "(a sync's are one account's: then user and account are equalities)",
    "attachments:tradetrack.attachments.repository": "delete: its callers read the documents as "
    "the owner's first (by user and `_id`, or user and anchor); a few documents",
    "trades:tradetrack.migrations.identity": "the one-off identity migration's deletes",
    "executions:tradetrack.migrations.identity": "the one-off identity migration's deletes",
    "ledgers:tradetrack.migrations.identity": "the one-off identity migration's deletes",
}
_PRODUCT_PARTS = ("/tradetrack/", "/functions/", "/local/", "/scripts/")
_SKIPPED_PARTS = ("/pymongo/", "/bson/", "query_shapes.py", "/contextlib.py", "/threading.py")


@dataclass(frozen=True, order=True)
class Shape:
    collection: str
    command: str
    equality: tuple[str, ...]
    ranges: tuple[str, ...]
    sort: tuple[tuple[str, int], ...]
    projection: tuple[str, ...]
    origin: str
    in_only: tuple[str, ...] = ()  # keys matched by `$in` alone (no equality FerretDB pushes down)

    def describe(self) -> str:
        parts = [f"eq={','.join(self.equality) or '-'}"]
        if self.ranges:
            parts.append(f"range={','.join(self.ranges)}")
        if self.sort:
            parts.append("sort=" + ",".join(f"{k}:{d}" for k, d in self.sort))
        if self.projection:
            parts.append(f"proj={len(self.projection)}")
        return f"{self.collection}.{self.command}({' '.join(parts)})"


@dataclass(frozen=True)
class Verdict:
    index: str | None  # the index that serves it, "_id_", or None
    residual: tuple[str, ...]  # query keys the index does not bound
    reason: str  # why it is allowed to scan, or why it fails
    ok: bool


@dataclass
class Command:
    name: str
    collection: str
    origin: str
    documents: int = 0


@dataclass
class Window:
    commands: list[Command] = field(default_factory=list)

    def reads(self, collection: str | None = None) -> list[Command]:
        """Queries that start a read (getMore continues one and is counted in round_trips)."""
        return [
            c
            for c in self.commands
            if c.name in READS and c.name != "getMore" and collection in (None, c.collection)
        ]

    def writes(self, collection: str | None = None) -> list[Command]:
        return [c for c in self.commands if c.name in WRITES and collection in (None, c.collection)]

    @property
    def round_trips(self) -> int:
        return len(self.commands)

    def documents(self, collection: str | None = None) -> int:
        return sum(c.documents for c in self.commands if collection in (None, c.collection))

    def summary(self) -> str:
        counts = Counter(f"{c.name} {c.collection}" for c in self.commands)
        return ", ".join(f"{n}× {what}" for what, n in sorted(counts.items())) or "no commands"


def _keys(spec: Any) -> list[tuple[str, int]]:
    if isinstance(spec, Mapping):
        return [(str(k), int(v) if isinstance(v, int) else 1) for k, v in spec.items()]
    if isinstance(spec, Sequence) and not isinstance(spec, str):
        return [(str(k), int(v)) for k, v in spec]
    return []


def analyse(query: Any) -> list[tuple[set[str], set[str]]]:  # noqa: PLR0912 - one branch per operator kind
    """The (equality, range) key sets of a filter; several when $or means several index scans."""
    branches: list[tuple[set[str], set[str]]] = [(set(), set())]
    if not isinstance(query, Mapping):
        return branches
    for key, value in query.items():
        if key == "$and":
            for part in value:
                merged: list[tuple[set[str], set[str]]] = []
                for eq, rng in branches:
                    for peq, prng in analyse(part):
                        merged.append((eq | peq, rng | prng))
                branches = merged
        elif key in ("$or", "$nor"):
            if key == "$nor":
                continue  # negation: a residual filter
            alternatives = [b for part in value for b in analyse(part)]
            branches = [(eq | aeq, rng | arng) for eq, rng in branches for aeq, arng in alternatives]
        elif key.startswith("$"):
            continue  # $expr, $where, $comment: residual
        elif isinstance(value, Mapping) and any(str(k).startswith("$") for k in value):
            ops = {str(k) for k in value}
            if ops & _EQUALITY:
                for eq, _ in branches:
                    eq.add(key)
            elif ops & _BOUNDING or ("$regex" in ops and str(value["$regex"]).startswith("^")):
                for _, rng in branches:
                    rng.add(key)
        else:
            for eq, _ in branches:
                eq.add(key)
    return branches


def in_only_keys(query: Any) -> set[str]:
    """The keys a filter matches by `$in` (without `$eq`), at any level of `$and`/`$or`."""
    found: set[str] = set()
    if not isinstance(query, Mapping):
        return found
    for key, value in query.items():
        if key in ("$and", "$or") and isinstance(value, Sequence):
            for part in value:
                found |= in_only_keys(part)
        elif not key.startswith("$") and isinstance(value, Mapping) and "$in" in value and "$eq" not in value:
            found.add(key)
    return found


def scans_for_id_in(shape: Shape) -> bool:
    """A find, update or delete by `_id $in` with no key compared by equality beside it."""
    return (
        shape.command in _ID_IN_COMMANDS
        and "_id" in shape.in_only
        and not set(shape.equality) - set(shape.in_only)
    )


def serve(
    index: Sequence[tuple[str, int]], eq: set[str], ranges: set[str], sort: Sequence[tuple[str, int]]
) -> tuple[bool, set[str]]:
    """Whether an index bounds this branch and delivers its sort; and what it leaves unbounded."""
    keys = list(index)
    i = 0
    bounded: set[str] = set()
    while i < len(keys) and keys[i][0] in eq:
        bounded.add(keys[i][0])
        i += 1
    wanted = [(k, d) for k, d in sort if k not in eq]
    if wanted:
        direction: int | None = None
        j = i
        for name, order in wanted:
            while j < len(keys) and keys[j][0] in eq:
                bounded.add(keys[j][0])
                j += 1
            if j >= len(keys) or keys[j][0] != name:
                return False, set()
            relative = 1 if keys[j][1] == order else -1
            if direction not in (None, relative):
                return False, set()
            direction = relative
            if name in ranges:
                bounded.add(name)
            j += 1
        i = j
    elif i < len(keys) and keys[i][0] in ranges:
        bounded.add(keys[i][0])
    if not bounded and not wanted:
        return False, set()
    return True, (eq | ranges) - bounded


def judge(shape: Shape) -> Verdict:
    allowed = SCANS.get(f"{shape.collection}:{shape.origin}")
    if allowed:
        return Verdict(None, (), allowed, True)
    if scans_for_id_in(shape):
        left = ID_IN_LEFT.get(f"{shape.collection}:{shape.origin.rsplit('.', 1)[0]}")
        return Verdict("_id_", (), left, True) if left else Verdict(None, (), ID_IN_REASON, False)
    if "_id" in shape.equality:
        return Verdict("_id_", tuple(sorted(set(shape.equality) - {"_id"} | set(shape.ranges))), "", True)
    candidates = [("_id_", [("_id", 1)])] + [
        (str(model.document["name"]), _keys(model.document["key"]))
        for model in INDEXES.get(shape.collection, [])
    ]
    # each $or branch was recorded as a shape of its own
    eq, rng = set(shape.equality), set(shape.ranges)
    best: tuple[str, tuple[str, ...]] | None = None
    for name, keys in candidates:
        ok, residual = serve(keys, eq, rng, shape.sort)
        if ok and (best is None or len(residual) < len(best[1])):
            best = (name, tuple(sorted(residual)))
    if best is None:
        why = "no index bounds it" if not shape.sort else "no index bounds it with its sort"
        return Verdict(None, (), why, False)
    return Verdict(best[0], best[1], "", True)


class Recorder(monitoring.CommandListener):
    """Shapes of the product's commands over the whole run, and windows for budgets."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.shapes: Counter[Shape] = Counter()
        self._windows: list[Window] = []
        self._pending: dict[tuple[Any, int], Command] = {}

    # -- the listener -------------------------------------------------------------------------
    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name
        if name not in READS and name not in WRITES:
            return
        origin = _origin()
        if origin is None:
            return  # the test's own query
        collection = _collection(name, event.command)
        if collection is None:
            return
        shapes = list(_shapes_of(name, collection, event.command, origin))
        command = Command(name, collection, origin)
        with self._lock:
            self.shapes.update(shapes)
            if self._windows:
                for window in self._windows:
                    window.commands.append(command)
                self._pending[(event.connection_id, event.request_id)] = command

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        with self._lock:
            command = self._pending.pop((event.connection_id, event.request_id), None)
        if command is None:
            return
        reply = event.reply
        cursor = reply.get("cursor") if isinstance(reply, Mapping) else None
        if isinstance(cursor, Mapping):
            batch = cursor.get("firstBatch", cursor.get("nextBatch", []))
            command.documents = len(batch)
        elif command.name == "findAndModify":
            command.documents = 1 if reply.get("value") else 0
        elif command.name in ("count", "distinct"):
            command.documents = 1

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        with self._lock:
            self._pending.pop((event.connection_id, event.request_id), None)

    # -- budgets --------------------------------------------------------------------------------
    @contextmanager
    def window(self) -> Iterator[Window]:
        window = Window()
        with self._lock:
            self._windows.append(window)
        try:
            yield window
        finally:
            with self._lock:
                self._windows.remove(window)

    # -- the report -----------------------------------------------------------------------------
    def verdicts(self) -> list[tuple[Shape, int, Verdict]]:
        return [(shape, count, judge(shape)) for shape, count in sorted(self.shapes.items())]

    def failures(self) -> list[tuple[Shape, int, Verdict]]:
        return [row for row in self.verdicts() if not row[2].ok]

    def save(self, path: Path) -> None:
        rows = [
            {
                "shape": shape.describe(),
                "origin": shape.origin,
                "count": count,
                "index": verdict.index,
                "residual": list(verdict.residual),
                "allowedScan": verdict.reason if verdict.ok and verdict.reason else None,
                "ok": verdict.ok,
                "why": None if verdict.ok else verdict.reason,
            }
            for shape, count, verdict in self.verdicts()
        ]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"writtenAt": datetime.now(UTC).isoformat(), "shapes": rows}, indent=1))


def report_lines(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = []
    for row in rows:
        if not row["ok"]:
            served = f"NOT SERVED: {row['why']}"
        elif row["allowedScan"]:
            served = f"scan allowed: {row['allowedScan']}"
        else:
            served = f"index {row['index']}" + (
                f" (residual filter on {', '.join(row['residual'])})" if row["residual"] else ""
            )
        lines.append(f"{row['count']:>7}  {row['shape']}  ← {row['origin']}\n           {served}")
    ok = sum(1 for r in rows if r["ok"])
    lines.append(f"{len(rows)} query shapes, {ok} served, {len(rows) - ok} not served")
    return lines


def _origin() -> str | None:
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename.replace("\\", "/")
        if not any(part in filename for part in _SKIPPED_PARTS):
            if "/tests/" in filename or not any(part in filename for part in _PRODUCT_PARTS):
                return None
            module = frame.f_globals.get("__name__", "?")
            return f"{module}.{frame.f_code.co_name}"
        frame = frame.f_back
    return None


def _collection(name: str, command: Mapping[str, Any]) -> str | None:
    value = command.get("collection") if name == "getMore" else command.get(name)
    return value if isinstance(value, str) else None


def _shapes_of(name: str, collection: str, command: Mapping[str, Any], origin: str) -> Iterator[Shape]:
    sort: list[tuple[str, int]] = []
    projection: tuple[str, ...] = ()
    queries: list[Any]
    if name in _SHAPED:
        queries = [command.get(_SHAPED[name]) or {}]
        sort = _keys(command.get("sort"))
        projection = tuple(sorted(str(k) for k in (command.get("projection") or command.get("fields") or {})))
    elif name == "aggregate":
        pipeline = list(command.get("pipeline") or [])
        first = pipeline[0] if pipeline else {}
        queries = [first.get("$match", {})]
        following = pipeline[1] if len(pipeline) > 1 and "$match" in first else first
        sort = _keys(following.get("$sort")) if isinstance(following, Mapping) else []
    elif name == "update":
        queries = [u.get("q", {}) for u in command.get("updates", [])]
    elif name == "delete":
        queries = [d.get("q", {}) for d in command.get("deletes", [])]
    else:  # insert, getMore
        return
    for query in queries:
        in_only = in_only_keys(query)
        for eq, rng in analyse(query):
            yield Shape(
                collection,
                name,
                tuple(sorted(eq)),
                tuple(sorted(rng - eq)),
                tuple(sort),
                projection,
                origin,
                tuple(sorted(in_only & eq)),
            )


def main(argv: Sequence[str]) -> int:
    """`python -m tests.support.query_shapes build/query-shapes.json`: print the last run's report."""
    path = Path(argv[1] if len(argv) > 1 else "build/query-shapes.json")
    if not path.exists():
        print(f"query shapes: {path} is missing; `make test` writes it")
        return 1
    saved = json.loads(path.read_text())
    rows = saved["shapes"]
    print(f"Query shapes the product sent in the test run of {saved['writtenAt']} ({path}):")
    print("\n".join(report_lines(rows)))
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
