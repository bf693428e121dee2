"""Real Redis and FerretDB servers for the test suite, on free loopback ports.

Resolution per dependency: an external URL (MONGODB_URI / REDIS_URL) wins; else the real
server is started; if that cannot start, CI=true fails the run, and elsewhere the embedded
stand-in (mongomock / fakeredis) is used with a loud warning.

FerretDB v1.24.2 runs on SQLite unless TRADETRACK_FERRETDB_BACKEND=postgresql (Debian's
PostgreSQL, a throwaway cluster the harness starts on a free port): SQLite ran the suite's tests
faster, a database per test being cheaper to create and drop (tests/bench/test_store_bench.py,
docs/local-store.md). The processes themselves are started by local/stores.py, which the local
stack shares.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

from local import stores
from local.stores import FERRETDB_VERSION, ServerUnavailable, ferretdb_binary, free_port

__all__ = [
    "FERRETDB_VERSION",
    "Server",
    "ServerUnavailable",
    "ferretdb_binary",
    "free_port",
    "in_ci",
    "provide",
    "run_ferretdb",
    "run_postgres",
    "run_redis",
]


@dataclass(frozen=True)
class Server:
    name: str
    url: str | None  # None: the embedded stand-in
    origin: str  # "external", "started" (with what was started) or "embedded"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@contextmanager
def run_redis(workdir: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServerUnavailable("redis-server is not installed (run `make servers`)")
    port = free_port()
    log = workdir / "redis.log"
    cmd = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    cmd += ["--dir", str(workdir), "--logfile", str(log)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"

    def ready() -> bool:
        try:
            return bool(redis.Redis.from_url(url, socket_timeout=0.5).ping())
        except redis.exceptions.ConnectionError:
            return False

    try:
        log.touch()
        stores.wait_until(ready, proc, "redis-server", log)
        yield url
    finally:
        stores.stop_process(proc)


@contextmanager
def run_postgres(workdir: Path) -> Iterator[str]:
    """A throwaway PostgreSQL cluster in `workdir` (fsync, synchronous_commit and full_page_writes
    off: nothing in it must survive a crash); yields its postgres:// URL on a free loopback port."""
    _reachable(workdir)
    with stores.run_postgres(workdir / "postgresql", throwaway=True) as url:
        yield url


@contextmanager
def run_ferretdb(workdir: Path, backend: str | None = None) -> Iterator[str]:
    """FerretDB v1.24.2 on `backend`, by default the one TRADETRACK_FERRETDB_BACKEND names
    (sqlite unless it says postgresql), its data (and PostgreSQL's throwaway cluster) in `workdir`."""
    try:
        chosen = backend or stores.ferretdb_backend(stores.TEST_BACKEND)
    except ValueError as exc:
        raise ServerUnavailable(str(exc)) from exc
    _reachable(workdir)
    with stores.run_ferretdb(workdir, chosen, throwaway=True) as url:
        yield url


def _reachable(workdir: Path) -> None:
    """A TemporaryDirectory is 0700; as root, PostgreSQL runs as the postgres user, who must enter it."""
    workdir.chmod(0o711)


def _started(start: Callable[[Path], AbstractContextManager[str]]) -> str:
    if start is run_ferretdb:
        return f"started ({stores.describe(stores.ferretdb_backend(stores.TEST_BACKEND))})"
    return "started"


@contextmanager
def provide(
    name: str, env_var: str, start: Callable[[Path], AbstractContextManager[str]]
) -> Iterator[Server]:
    """The server for one dependency: external URL, else started here, else (outside CI) embedded."""
    external = os.environ.get(env_var)
    if external:
        yield Server(name, external, "external")
        return
    with tempfile.TemporaryDirectory(prefix=f"tradetrack-{name}-") as tmp, ExitStack() as stack:
        try:
            url: str | None = stack.enter_context(start(Path(tmp)))
        except ServerUnavailable as exc:
            if in_ci():
                raise ServerUnavailable(f"CI=true and {name} could not start: {exc}") from exc
            warnings.warn(
                f"\n{'!' * 72}\n{name} could not start ({exc});\nUSING THE EMBEDDED STAND-IN: "
                f"these results prove nothing about a real {name}.\n{'!' * 72}",
                stacklevel=1,
            )
            url = None
        yield Server(name, url, _started(start) if url else "embedded")
