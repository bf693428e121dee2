"""CPU seconds the suite's FerretDB and its PostgreSQL (and a bench's other child servers) have used,
read from /proc: where a request's time went on the server side, whatever else the shared machine
runs meanwhile."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

TICKS = os.sysconf("SC_CLK_TCK")


class _Stat(NamedTuple):
    parent: int
    name: str  # the program's name as the kernel keeps it (15 characters)
    cpu: float  # seconds, the process's and its reaped children's


def _stat(pid: str) -> _Stat | None:
    """From /proc/<pid>/stat; None when the process is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name, fields = raw[raw.index("(") + 1 : raw.rindex(")")], raw[raw.rindex(")") + 2 :].split()
    return _Stat(int(fields[1]), name, sum(int(f) for f in fields[11:15]) / TICKS)


def _processes() -> dict[int, _Stat]:
    return {
        int(entry.name): stat
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and (stat := _stat(entry.name)) is not None
    }


def _with_descendants(stats: dict[int, _Stat], roots: set[int]) -> set[int]:
    chosen, grew = set(roots), True
    while grew:
        more = {pid for pid, stat in stats.items() if stat.parent in chosen} - chosen
        chosen |= more
        grew = bool(more)
    return chosen


def server_cpu(markers: tuple[str, ...]) -> float:
    """CPU seconds used so far by the processes whose command line holds one of `markers` (FerretDB,
    the postmaster) and all their descendants (PostgreSQL's backends): what a round cost the server,
    whatever else the machine was running meanwhile (wall time on a shared machine is noisy)."""
    stats = _processes()
    roots: set[int] = set()
    for pid in stats:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if any(marker in cmdline for marker in markers):
            roots.add(pid)
    return sum(stats[pid].cpu for pid in _with_descendants(stats, roots) if pid in stats)


@dataclass(frozen=True)
class StoreProcesses:
    ferretdb: str  # a marker of FerretDB's command line: its listen address
    postgresql: str | None  # of the postmaster's: its port (None: FerretDB on SQLite)

    def cpu(self) -> tuple[float, float]:
        """(FerretDB's, PostgreSQL's: the postmaster and its backends) CPU seconds so far."""
        return server_cpu((self.ferretdb,)), server_cpu((self.postgresql,)) if self.postgresql else 0.0


def store_processes(mongo_url: str | None) -> StoreProcesses | None:
    """The FerretDB the harness started at `mongo_url` and its PostgreSQL; None when not found (an
    external MONGODB_URI, the embedded store)."""
    if not mongo_url:
        return None
    listen = "--listen-addr=" + mongo_url.removeprefix("mongodb://").split("/")[0]
    for entry in Path("/proc").iterdir():
        try:
            args = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if listen in args:
            pg = next(
                (re.search(r"@127\.0\.0\.1:(\d+)/", a) for a in args if a.startswith("--postgresql")), None
            )
            return StoreProcesses(listen, f"port={pg.group(1)} " if pg else None)
    return None


def children_cpu() -> dict[str, float]:
    """CPU seconds so far of this process's descendants by program (FerretDB, PostgreSQL and its
    backends, Redis, a Python child: the broker stub's process), from /proc ({} where there is none):
    their share of the same cores."""
    if not Path("/proc/self/stat").exists():
        return {}
    stats = _processes()
    totals: dict[str, float] = {}
    for pid in _with_descendants(stats, {os.getpid()}) - {os.getpid()}:
        name = stats[pid].name
        program = (
            "postgres"
            if name.startswith("postgres")
            else "broker stub"
            if name.startswith("python")
            else name.split("-")[0]
        )
        totals[program] = totals.get(program, 0.0) + stats[pid].cpu
    return totals
