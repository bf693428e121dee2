"""The collector's pause is counted across threads (tradetrack.collector): syncs running at once
(the sync worker's records on a pool) hold it together, and the last to leave resumes it."""

from __future__ import annotations

import gc
import threading

from tests.support.collector import collector_on  # noqa: F401 - autouse here
from tradetrack.collector import collector_paused, pause_holders


class Holder:
    """A thread inside collector_paused() from enter() until leave() (or failing, with fail())."""

    def __init__(self) -> None:
        self.inside = threading.Event()
        self.release = threading.Event()
        self.left = threading.Event()
        self.failing = False
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            with collector_paused():
                self.inside.set()
                self.release.wait(10)
                if self.failing:
                    raise RuntimeError("the sync failed")
        except RuntimeError:
            pass
        finally:
            self.left.set()

    def enter(self) -> Holder:
        self.thread.start()
        assert self.inside.wait(10)
        return self

    def leave(self, *, failing: bool = False) -> None:
        self.failing = failing
        self.release.set()
        assert self.left.wait(10)
        self.thread.join(10)


def test_the_first_of_two_concurrent_holders_to_leave_does_not_resume_the_collector() -> None:
    # Given two threads inside a paused block at once
    first, second = Holder().enter(), Holder().enter()
    assert (gc.isenabled(), pause_holders()) == (False, 2)
    # When the one that entered first leaves
    first.leave()
    # Then the collector stays paused for the other
    assert (gc.isenabled(), pause_holders()) == (False, 1)
    # and when the last leaves it runs again
    second.leave()
    assert (gc.isenabled(), pause_holders()) == (True, 0)


def test_overlapping_holders_resume_the_collector_only_when_none_is_left() -> None:
    # Given holders that enter and leave overlapping (a, b in; a out; c in; b out (failing); c out)
    a, b = Holder().enter(), Holder().enter()
    seen = []
    a.leave()
    seen.append(gc.isenabled())
    c = Holder().enter()
    b.leave(failing=True)
    seen.append(gc.isenabled())
    c.leave()
    # Then it was off until the last one left, failure included, and on after
    assert seen == [False, False]
    assert (gc.isenabled(), pause_holders()) == (True, 0)


def test_a_pause_nested_in_a_thread_while_another_holds_it_resumes_with_the_last() -> None:
    # Given another thread inside a paused block
    other = Holder().enter()
    # When this thread runs a paused block with a nested one inside, and leaves both
    with collector_paused(), collector_paused():
        assert pause_holders() == 3
    # Then the collector stays paused for the other thread, and runs once it leaves
    assert (gc.isenabled(), pause_holders()) == (False, 1)
    other.leave()
    assert gc.isenabled()


def test_a_collector_someone_else_paused_stays_paused_after_concurrent_holders() -> None:
    # Given the collector off before any block (the cold start's pause, say)
    gc.disable()
    # When two threads hold and leave a paused block
    first, second = Holder().enter(), Holder().enter()
    first.leave()
    second.leave()
    # Then it is still off: its own owner resumes it
    assert (gc.isenabled(), pause_holders()) == (False, 0)
