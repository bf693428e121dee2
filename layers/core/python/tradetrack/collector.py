"""The cyclic garbage collector paused while a sync, a batch of trade updates or a derivation runs.

Both allocate tens of thousands of short-lived objects (broker rows, models, documents, BSON),
which reference counting frees; CPython's cyclic collector, triggered by the allocations alone,
meanwhile rescans everything alive, in a Lambda process hundreds of thousands of long-lived
objects (modules, pydantic schemas, clients): in the sync bench (100 accounts × 200 fills, both
workers in one process) collections took ~1.0 s of the process's ~10.4 s of CPU, 0.3 s with these
two paused. tradetrack.derive pauses it for one derivation too (hundreds of thousands of small
objects, none in cycles: the collector's passes were a third of a 100k-fill derivation).

The pause is process-wide and counted: blocks nested in one thread and blocks running at once on
several threads (the sync worker syncs a batch's accounts concurrently, tradetrack.batches) hold
it together, and the last of them to leave turns the collector back on, never one while others
still run. A collector already off when the first block entered (someone else's pause, such as
tradetrack.coldstart's) is left off. A cycle made meanwhile is collected after the pause, so memory
stays bounded by what the concurrent blocks allocate.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0  # blocks inside collector_paused now, on every thread
_resume = False  # whether the last holder to leave turns the collector back on


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the block, nor while any other thread is inside one."""
    global _holders, _resume  # noqa: PLW0603 - one pause per process is the point
    with _lock:
        if _holders == 0:
            _resume = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _resume:
                _resume = False
                gc.enable()


def pause_holders() -> int:
    """How many blocks hold the pause now (tests)."""
    with _lock:
        return _holders
