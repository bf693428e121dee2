"""make dev's exit (local/server.py): what counts as an invocation still running when the stack
stops. The kept pools' idle workers (tradetrack keeps its thread pools across invocations) are not:
they held every stop for its 2 s grace and were named in a warning as running invocations."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from local.server import lingering_invocations


@pytest.fixture
def kept_pool() -> Iterator[ThreadPoolExecutor]:
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="kept-pool")
    yield pool
    pool.shutdown(wait=True)


def _names() -> set[str]:
    return {thread.name for thread in lingering_invocations()}


def test_an_idle_pool_worker_is_no_invocation_and_a_busy_one_is(kept_pool: ThreadPoolExecutor) -> None:
    # Given a kept pool that ran a job and is now idle
    kept_pool.submit(lambda: None).result()
    idle = {t.name for t in threading.enumerate() if t.name.startswith("kept-pool")}
    assert idle
    # Then none of its workers counts as running
    assert not idle & _names()
    # When one of its workers runs a job that waits
    release = threading.Event()
    started = threading.Event()

    def job() -> None:
        started.set()
        release.wait(10)

    done = kept_pool.submit(job)
    assert started.wait(5)
    # Then that worker counts, until its job returns
    assert any(name.startswith("kept-pool") for name in _names())
    release.set()
    done.result(timeout=5)
    deadline = time.monotonic() + 5
    while any(name.startswith("kept-pool") for name in _names()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not any(name.startswith("kept-pool") for name in _names())


def test_a_plain_thread_still_running_counts() -> None:
    # Given a thread of an invocation that has not returned
    release = threading.Event()
    thread = threading.Thread(target=release.wait, args=(10,), name="an-invocation")
    thread.start()
    try:
        # Then it is listed
        assert "an-invocation" in _names()
    finally:
        release.set()
        thread.join(5)
    # And once it returned it is not
    assert "an-invocation" not in _names()
