"""CPU seconds the suite's FerretDB and its PostgreSQL have used (read from /proc): where a
request's time went on the server side, whatever else the shared machine runs meanwhile."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tests.bench.test_store_bench import server_cpu


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
