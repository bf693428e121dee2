"""The FerretDB the harness starts (local/stores.py) collects garbage less often than Go's default:
a 50,000-trade page decodes every trade of the user, and GOGC=100 spent a third of its CPU on GC."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from local import stores
from tests.support.servers import ServerUnavailable, in_ci


def _environment_of_ferretdb(url: str) -> dict[str, str]:
    """The environment of the FerretDB process listening at `url` (read from /proc)."""
    listen = f"--listen-addr={url.removeprefix('mongodb://').rstrip('/')}"
    for proc in Path("/proc").iterdir():
        try:
            if listen.encode() in (proc / "cmdline").read_bytes().split(b"\0"):
                raw = (proc / "environ").read_bytes().split(b"\0")
                return dict(item.decode().split("=", 1) for item in raw if b"=" in item)
        except OSError:
            continue
    raise AssertionError(f"no FerretDB process with {listen}")


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> Callable[[], AbstractContextManager[str]]:
    """Starts FerretDB on SQLite as the harness does; GOGC and GOMEMLIMIT unset unless a test sets them."""
    monkeypatch.delenv("GOGC", raising=False)
    monkeypatch.delenv("GOMEMLIMIT", raising=False)

    @contextmanager
    def start() -> Iterator[str]:
        with tempfile.TemporaryDirectory(prefix="tradetrack-gc-") as tmp:
            try:
                store = stores.run_ferretdb(Path(tmp), "sqlite", throwaway=True)
                url = store.__enter__()
            except ServerUnavailable as exc:  # pragma: no cover - only where FerretDB is not built
                if in_ci():
                    raise
                pytest.skip(f"FerretDB unavailable: {exc}")
            try:
                yield url
            finally:
                store.__exit__(None, None, None)

    return start


def test_ferretdb_runs_with_a_heap_target_of_5x_capped_at_1_gib(
    started: Callable[[], AbstractContextManager[str]],
) -> None:
    # Given no GOGC or GOMEMLIMIT in the environment, When the harness starts FerretDB
    with started() as url:
        environment = _environment_of_ferretdb(url)
    # Then it runs with GOGC=400 and a 1 GiB soft memory limit
    assert (environment.get("GOGC"), environment.get("GOMEMLIMIT")) == ("400", "1GiB")


def test_a_gogc_in_the_environment_wins(
    started: Callable[[], AbstractContextManager[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given GOGC=150 in the environment, When the harness starts FerretDB
    monkeypatch.setenv("GOGC", "150")
    with started() as url:
        environment = _environment_of_ferretdb(url)
    # Then it keeps the developer's 150, and the memory limit still applies
    assert (environment.get("GOGC"), environment.get("GOMEMLIMIT")) == ("150", "1GiB")
