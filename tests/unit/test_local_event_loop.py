"""The local stack's event loop: uvloop's when installed (the `local` extra has it), asyncio's without."""

from __future__ import annotations

import asyncio
import sys
import threading

import pytest

from local import event_loop


async def _loop_type_after_work() -> tuple[str, int]:
    """What a local stack does on its loop: a blocking call on a thread, and a timer."""
    total = await asyncio.to_thread(sum, range(10))
    await asyncio.sleep(0.01)
    return type(asyncio.get_running_loop()).__module__, total


def test_the_local_stack_runs_on_uvloop_when_it_is_installed() -> None:
    # Given the local extra installed (uvloop among it)
    pytest.importorskip("uvloop")
    # When a coroutine runs on the local stack's event loop
    module, total = event_loop.run(_loop_type_after_work())
    # Then it ran on uvloop's loop, threads and timers working
    assert module.startswith("uvloop")
    assert total == 45


def test_without_uvloop_the_local_stack_runs_on_asyncios_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a machine where uvloop cannot be imported
    monkeypatch.setitem(sys.modules, "uvloop", None)
    # When a coroutine runs on the local stack's event loop
    module, total = event_loop.run(_loop_type_after_work())
    # Then asyncio's own loop served it
    assert module.startswith("asyncio")
    assert total == 45


def test_a_background_loop_from_the_factory_serves_other_threads() -> None:
    # Given a loop from the factory running on a thread of its own, as BackgroundStack runs it
    pytest.importorskip("uvloop")
    loop = event_loop.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        # When another thread hands it work
        module, total = asyncio.run_coroutine_threadsafe(_loop_type_after_work(), loop).result(10)
        # Then uvloop's loop did it on its thread
        assert (module.split(".")[0], total) == ("uvloop", 45)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
