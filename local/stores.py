"""FerretDB v1.24.2 on PostgreSQL or SQLite, started as child processes on free loopback ports.

Dev-only: the test suite (tests/support/servers.py) starts a throwaway store per session; the local
stack (`LOCAL_MONGO=ferretdb`) starts one over a data directory kept across restarts. The backend
is TRADETRACK_FERRETDB_BACKEND ("postgresql" or "sqlite"), by default the measured winner of each
use (tests/bench/test_store_bench.py, docs/local-store.md): SQLite for the test suite (a database
per test is cheaper to create and drop, and the suite's collections are small), PostgreSQL for
`make dev` (faster on every query shape over a large collection, 5x on updates).

PostgreSQL refuses to run as root: as root, initdb and postgres run as the `postgres` system user
(Debian's package creates it), which must own the data directory and reach it.
"""

# ruff: noqa: S603  (every command here is a fixed server binary with arguments built in this file)
from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pymongo

FERRETDB_VERSION = "v1.24.2"
BACKENDS = ("postgresql", "sqlite")
TEST_BACKEND = "sqlite"  # the measured winner for `make test` (docs/local-store.md)
DEV_BACKEND = "postgresql"  # the measured winner for `make dev`'s real store (docs/local-store.md)
BACKEND_VARIABLE = "TRADETRACK_FERRETDB_BACKEND"
START_TIMEOUT_S = 30.0
PG_USER = "tradetrack"  # the cluster's superuser (trust authentication on loopback only)
PG_DATABASE = "ferretdb"
# Every statement FerretDB prepares is planned with its parameters' values: its equality filters
# name the field as a parameter (`_jsonb->$1 @> $2`), which a generic plan cannot match to an
# expression index; with the values in, the mirrored indexes below serve them.
PLANNING = {"plan_cache_mode": "force_custom_plan"}
# FerretDB holds a connection per matching statement of an update command until the command ends
# (tradetrack.db.bulk): its pool (50 by default) is raised so that concurrent commands of
# tradetrack.db.bulk.STATEMENTS_PER_COMMAND statements each do not exhaust it; PostgreSQL allows a
# few more for the harness's own sessions.
FERRETDB_POOL = 200
POOL_SETTINGS = {"max_connections": str(FERRETDB_POOL + 20)}
# FerretDB stores each document as JSONB with its type schema beside it: an order of ours is ~2.4 kB,
# past PostgreSQL's 2 kB TOAST threshold, so every insert compressed it with the default pglz. lz4
# (PostgreSQL 14+, in Debian's build) compresses the same rows in about half the time: 20,000 order
# documents 0.84-1.05 s -> 0.58-0.59 s of INSERT, and reads them back faster (docs/local-store.md,
# "Compression of large documents"). Rows already stored keep theirs; both are read.
COMPRESSION = {"default_toast_compression": "lz4"}
# A throwaway test cluster: nothing in it must survive a crash, so no flush to disk is waited for.
THROWAWAY_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    **PLANNING,
    **POOL_SETTINGS,
    **COMPRESSION,
}
# A developer's cluster (make dev) keeps its data; a crash may lose the last commits, never the files.
KEPT_SETTINGS = {"synchronous_commit": "off", **PLANNING, **POOL_SETTINGS, **COMPRESSION}
# FerretDB v1.24.2 turns each index of a createIndexes into a btree over `(_jsonb -> 'field')`, but
# pushes an equality filter down as containment, `_jsonb -> 'field' @> '"value"'`, which a btree
# cannot answer: every query scanned its collection. This event trigger gives the leading key of
# each btree FerretDB creates (its `_id` index included) a GIN index over the same expression, which
# containment can use; `tradetrack_mirror_all()` does the same for indexes made before it existed
# (a data directory from an earlier release). Only leading keys: by the equality-sort-range rule of
# tradetrack/db/indexes.py they are the equality keys (userId, accountId, ...), and every GIN
# mirror is one more index each insert maintains. Index names are the table's plus a key hash.
# A non-unique btree, which no FerretDB query can use, is then left empty (`WHERE false`): only
# unique ones are maintained, to enforce uniqueness (docs/local-store.md).
MIRROR_SQL = Path(__file__).with_name("pg_index_mirror.sql")  # read when a cluster starts
# FerretDB v1.24.2 decodes every document its pushed-down filter matches before it sorts and limits
# in Go (a 50,000-trade user's page: 50,000 documents decoded, ~250 MB live while sorted), and Go's
# default GOGC=100 spends a third of that CPU collecting. A heap target 5x the live heap, capped
# at 1 GiB (a soft limit: past it Go collects harder, never fails), cut that page's FerretDB CPU
# from 9.8-10.3 s to 6.5-6.8 s, for a peak RSS of 1.0 GB instead of 0.57 GB (docs/local-store.md,
# "GET /v1/trades on FerretDB"). A GOGC or GOMEMLIMIT already in the environment wins.
FERRETDB_GC = {"GOGC": "400", "GOMEMLIMIT": "1GiB"}


class ServerUnavailable(RuntimeError):
    pass


def ferretdb_backend(default: str, environ: dict[str, str] | None = None) -> str:
    """TRADETRACK_FERRETDB_BACKEND, else `default`."""
    env = os.environ if environ is None else environ
    backend = (env.get(BACKEND_VARIABLE) or default).strip().lower()
    if backend not in BACKENDS:
        raise ValueError(f"{BACKEND_VARIABLE}={backend!r}: expected one of {', '.join(BACKENDS)}")
    return backend


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ferretdb_binary() -> Path:
    cache = os.environ.get("TRADETRACK_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "tradetrack"
    )
    return Path(cache) / f"ferretdb-{FERRETDB_VERSION}" / "ferretdb"


def postgres_bindir() -> Path:
    """Debian's newest /usr/lib/postgresql/<major>/bin, else initdb's directory on PATH."""
    found = sorted(
        (int(path.parent.parent.name), path.parent)
        for path in Path("/usr/lib/postgresql").glob("*/bin/postgres")
        if path.parent.parent.name.isdigit()
    )
    if found:
        return found[-1][1]
    initdb = shutil.which("initdb")
    if initdb is None:
        raise ServerUnavailable("PostgreSQL is not installed (run `make servers`)")
    return Path(initdb).resolve().parent


def wait_until(ready: Callable[[], bool], proc: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerUnavailable(f"{what} exited with {proc.returncode}: {_tail(log)}")
        if ready():
            return
        time.sleep(0.05)
    stop_process(proc)
    raise ServerUnavailable(f"{what} did not answer within {START_TIMEOUT_S:.0f} s: {_tail(log)}")


def stop_process(proc: subprocess.Popen[bytes], *, timeout_s: float = 10) -> None:
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _tail(log: Path) -> str:
    try:
        return log.read_text(errors="replace")[-2000:]
    except OSError:
        return "(no log)"


def _unprivileged() -> dict[str, Any]:
    """Popen arguments that drop root to the `postgres` user; nothing when not root."""
    if os.geteuid() != 0:
        return {}
    try:
        user = pwd.getpwnam("postgres")
    except KeyError as exc:
        raise ServerUnavailable("running as root and there is no `postgres` user to run PostgreSQL") from exc
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": [], "env": _env_for(user)}


def _env_for(user: pwd.struct_passwd) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "TZ", "LANG", "LC_ALL")}
    return {**keep, "HOME": user.pw_dir, "USER": user.pw_name, "LOGNAME": user.pw_name}


def _own(path: Path) -> None:
    """As root, hand `path` to the `postgres` user and check that user can reach it."""
    if os.geteuid() != 0:
        return
    user = pwd.getpwnam("postgres")
    os.chown(path, user.pw_uid, user.pw_gid)
    for parent in path.resolve().parents:
        if not os.stat(parent).st_mode & 0o001:
            raise ServerUnavailable(
                f"the postgres user cannot reach {path}: {parent} is not searchable by others"
            )


def _major(bindir: Path) -> str:
    out = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"(\d+)", out.stdout)
    return match.group(1) if match else "?"


@contextmanager
def run_postgres(data_dir: Path, *, throwaway: bool) -> Iterator[str]:
    """PostgreSQL over `data_dir` (initialized when empty) on 127.0.0.1:<free port>, its unix socket
    in `data_dir`; yields the URL of database `ferretdb`. `throwaway` turns off fsync,
    synchronous_commit and full_page_writes (a test cluster); otherwise only synchronous_commit."""
    bindir = postgres_bindir()
    drop = _unprivileged()
    data_dir.mkdir(parents=True, exist_ok=True)
    _own(data_dir)
    cluster = data_dir / "pgdata"
    log = data_dir / "postgres.log"
    if not (cluster / "PG_VERSION").exists():
        init = [str(bindir / "initdb"), "-D", str(cluster), "-U", PG_USER, "--auth=trust"]
        init += ["-E", "UTF8", "--no-locale"] + (["--no-sync"] if throwaway else [])
        done = subprocess.run(init, capture_output=True, text=True, check=False, cwd=data_dir, **drop)
        if done.returncode != 0:
            raise ServerUnavailable(f"initdb failed ({done.returncode}): {done.stdout[-1000:]}{done.stderr}")
    port = free_port()
    settings = {
        "listen_addresses": "127.0.0.1",
        "port": str(port),
        "unix_socket_directories": str(data_dir),
        "logging_collector": "off",
        **(THROWAWAY_SETTINGS if throwaway else KEPT_SETTINGS),
    }
    cmd = [str(bindir / "postgres"), "-D", str(cluster)]
    for name, value in settings.items():
        cmd += ["-c", f"{name}={value}"]
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=data_dir, **drop)
    isready = [str(bindir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port), "-U", PG_USER]

    def ready() -> bool:
        return subprocess.run(isready, check=False).returncode == 0

    try:
        wait_until(ready, proc, f"PostgreSQL {_major(bindir)}", log)
        createdb = [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", PG_USER, PG_DATABASE]
        created = subprocess.run(createdb, capture_output=True, text=True, check=False)
        if created.returncode != 0 and "already exists" not in created.stderr:
            raise ServerUnavailable(f"createdb {PG_DATABASE} failed: {created.stderr}")
        psql = [str(bindir / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", PG_USER, "-d", PG_DATABASE]
        install = [*psql, "-q", "-v", "ON_ERROR_STOP=1", "-f", str(MIRROR_SQL)]
        mirrored = subprocess.run(install, capture_output=True, text=True, check=False)
        if mirrored.returncode != 0:
            raise ServerUnavailable(f"installing the index mirror failed: {mirrored.stderr}")
        yield f"postgres://{PG_USER}@127.0.0.1:{port}/{PG_DATABASE}"
    finally:
        stop_process(proc, timeout_s=30)  # SIGTERM: a smart shutdown with a checkpoint


def _mongo_ready(url: str) -> Callable[[], bool]:
    def ready() -> bool:
        client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(url, serverSelectionTimeoutMS=300)
        try:
            client.admin.command("ping")
            return True
        except pymongo.errors.PyMongoError:
            return False
        finally:
            client.close()

    return ready


def describe(backend: str) -> str:
    if backend == "postgresql":
        return f"FerretDB {FERRETDB_VERSION} on PostgreSQL {_major(postgres_bindir())}"
    return f"FerretDB {FERRETDB_VERSION} on SQLite"


@contextmanager
def run_ferretdb(data_dir: Path, backend: str, *, throwaway: bool) -> Iterator[str]:
    """FerretDB on `backend` with its data under `data_dir` (PostgreSQL's cluster, or SQLite's
    files); yields its mongodb:// URL on 127.0.0.1:<free port>."""
    binary = ferretdb_binary()
    if not binary.exists():
        raise ServerUnavailable(f"FerretDB is not built at {binary} (run `make servers`)")
    if backend not in BACKENDS:
        raise ServerUnavailable(
            f"unknown FerretDB backend {backend!r}: expected one of {', '.join(BACKENDS)}"
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    with _backend(data_dir, backend, throwaway=throwaway) as storage:
        port = free_port()
        log = data_dir / "ferretdb.log"
        cmd = [
            str(binary),
            f"--handler={backend}",
            storage,
            f"--listen-addr=127.0.0.1:{port}",
            "--state-dir=-",
            "--debug-addr=-",
            "--telemetry=disable",
            "--log-level=warn",
        ]
        with log.open("ab") as out:
            env = FERRETDB_GC | dict(os.environ)
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        url = f"mongodb://127.0.0.1:{port}/"
        try:
            wait_until(_mongo_ready(url), proc, "FerretDB", log)
            yield url
        finally:
            stop_process(proc)


@contextmanager
def _backend(data_dir: Path, backend: str, *, throwaway: bool) -> Iterator[str]:
    """FerretDB's storage flag, with PostgreSQL running while it is used."""
    if backend == "postgresql":
        with run_postgres(data_dir / "postgresql", throwaway=throwaway) as pg_url:
            yield f"--postgresql-url={pg_url}?pool_max_conns={FERRETDB_POOL}"
        return
    sqlite = data_dir / "sqlite"
    sqlite.mkdir(exist_ok=True)
    yield f"--sqlite-url=file:{sqlite}/"
