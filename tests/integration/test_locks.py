"""Redis locks serialise concurrent work on one key."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from tests.support.servers import free_port
from tradetrack.cache.client import create_redis_client
from tradetrack.cache.locks import LockTimeout, redis_lock


def test_holders_never_overlap(redis_client: redis.Redis) -> None:
    # Given 6 workers wanting the same lock / When each holds it briefly
    inside = 0
    overlaps = 0
    guard = threading.Lock()

    def work(_: int) -> None:
        nonlocal inside, overlaps
        with redis_lock(redis_client, "lock:test"):
            with guard:
                inside += 1
                overlaps += inside > 1
            time.sleep(0.01)
            with guard:
                inside -= 1

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(work, range(12)))
    # Then no two were ever inside at once, and the lock is free afterwards
    assert overlaps == 0
    assert not redis_client.exists("lock:test")


def test_a_lock_held_too_long_times_out_the_waiter(redis_client: redis.Redis) -> None:
    redis_client.set("lock:busy", "someone-else", px=5000)
    with pytest.raises(LockTimeout), redis_lock(redis_client, "lock:busy", wait_s=0.1):
        pass
    assert redis_client.get("lock:busy") == "someone-else"  # not released by a non-holder


def test_without_redis_the_work_still_runs() -> None:
    down = create_redis_client(f"redis://127.0.0.1:{free_port()}/0", timeout_ms=100)
    ran = False
    with redis_lock(down, "lock:x", wait_s=0.1):
        ran = True
    assert ran
