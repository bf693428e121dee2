"""Real Redis and FerretDB servers for the test suite, on free loopback ports.

Resolution per dependency: an external URL (MONGODB_URI / REDIS_URL) wins; else the real
server is started; if that cannot start, CI=true fails the run, and elsewhere the embedded
stand-in (mongomock / fakeredis) is used with a loud warning.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pymongo
import redis

FERRETDB_VERSION = "v1.24.2"
START_TIMEOUT_S = 20.0


class ServerUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class Server:
    name: str
    url: str | None  # None: the embedded stand-in
    origin: str  # "external", "started" or "embedded"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ferretdb_binary() -> Path:
    cache = os.environ.get("TRADETRACK_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "tradetrack"
    )
    return Path(cache) / f"ferretdb-{FERRETDB_VERSION}" / "ferretdb"


def _wait_until(ready: Callable[[], bool], proc: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerUnavailable(f"{what} exited with {proc.returncode}: {log.read_text()[-2000:]}")
        if ready():
            return
        time.sleep(0.05)
    proc.kill()
    raise ServerUnavailable(
        f"{what} did not answer within {START_TIMEOUT_S:.0f} s: {log.read_text()[-2000:]}"
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


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
        _wait_until(ready, proc, "redis-server", log)
        yield url
    finally:
        _stop(proc)


@contextmanager
def run_ferretdb(workdir: Path) -> Iterator[str]:
    binary = ferretdb_binary()
    if not binary.exists():
        raise ServerUnavailable(f"FerretDB is not built at {binary} (run `make servers`)")
    port = free_port()
    data = workdir / "ferretdb-data"
    data.mkdir()
    log = workdir / "ferretdb.log"
    cmd = [
        str(binary),
        "--handler=sqlite",
        f"--sqlite-url=file:{data}/",
        f"--listen-addr=127.0.0.1:{port}",
        "--state-dir=-",
        "--debug-addr=-",
        "--telemetry=disable",
        "--log-level=warn",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    url = f"mongodb://127.0.0.1:{port}/"

    def ready() -> bool:
        client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
            url, serverSelectionTimeoutMS=300
        )
        try:
            client.admin.command("ping")
            return True
        except pymongo.errors.PyMongoError:
            return False
        finally:
            client.close()

    try:
        _wait_until(ready, proc, "FerretDB", log)
        yield url
    finally:
        _stop(proc)


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
        yield Server(name, url, "started" if url else "embedded")
