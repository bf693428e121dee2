"""The cyclic garbage collector paused while a sync, a batch of trade updates or a derivation runs.

Both allocate tens of thousands of short-lived objects (broker rows, models, documents, BSON),
which reference counting frees; CPython's cyclic collector, triggered by the allocations alone,
meanwhile rescans everything alive, in a Lambda process hundreds of thousands of long-lived
objects (modules, pydantic schemas, clients): in the sync bench (100 accounts × 200 fills, both
workers in one process) collections took ~1.0 s of the process's ~10.4 s of CPU, 0.3 s with these
two paused. The pause is process-wide and left to the outermost caller (threads the work starts
run inside it); a cycle made meanwhile is collected after it, so memory stays bounded by one
sync or one batch. tradetrack.derive pauses it for one derivation too (hundreds of thousands of
small objects, none in cycles: the collector's passes were a third of a 100k-fill derivation).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the block (nested blocks leave it to the outermost)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
