"""CPU seconds the suite's FerretDB and its PostgreSQL (and a bench's other child servers) have used,
read from /proc: where a request's time went on the server side, whatever else the shared machine
runs meanwhile."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: str) -> tuple[int, float] | None:
    """(parent pid, CPU seconds of the process and its reaped children) from /proc/<pid>/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), sum(int(f) for f in fields[11:15]) / TICKS


def server_cpu(markers: tuple[str, ...]) -> float:
    """CPU seconds used so far by the processes whose command line holds one of `markers` (FerretDB,
    the postmaster) and all their descendants (PostgreSQL's backends): what a round cost the server,
    whatever else the machine was running meanwhile (wall time on a shared machine is noisy)."""
    stats: dict[int, tuple[int, float]] = {}
    roots: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or (stat := _stat(entry.name)) is None:
            continue
        stats[int(entry.name)] = stat
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if any(marker in cmdline for marker in markers):
            roots.add(int(entry.name))
    chosen = set(roots)
    grew = True
    while grew:
        more = {pid for pid, (parent, _) in stats.items() if parent in chosen} - chosen
        chosen |= more
        grew = bool(more)
    return sum(stats[pid][1] for pid in chosen if pid in stats)


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
    stats: dict[int, tuple[int, str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or (stat := _stat(entry.name)) is None:
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        stats[int(entry.name)] = (stat[0], raw[raw.index("(") + 1 : raw.rindex(")")], stat[1])
    mine, found = {os.getpid()}, True
    while found:
        found = False
        for pid, (parent, _, _) in stats.items():
            if parent in mine and pid not in mine:
                mine.add(pid)
                found = True
    totals: dict[str, float] = {}
    for pid in mine - {os.getpid()}:
        _, name, cpu = stats[pid]
        program = (
            "postgres"
            if name.startswith("postgres")
            else "broker stub"
            if name.startswith("python")
            else name.split("-")[0]
        )
        totals[program] = totals.get(program, 0.0) + cpu
    return totals
