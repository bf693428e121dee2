"""The cyclic collector is paused while a sync or a batch of trade updates runs
(tradetrack.collector), and left as it was after, also when the work fails."""

from __future__ import annotations

import gc
from typing import Any, cast

import pytest

from tests.support.collector import collector_on  # noqa: F401 - autouse here
from tradetrack.collector import collector_paused
from tradetrack.sync import updates


def test_the_collector_is_paused_inside_and_back_after() -> None:
    # Given the collector running; When a block runs paused, with a nested one inside
    with collector_paused():
        inside = gc.isenabled()
        with collector_paused():
            nested = gc.isenabled()
        after_nested = gc.isenabled()
    # Then it is off throughout (the nested block leaves it to the outermost) and on again after
    assert (inside, nested, after_nested, gc.isenabled()) == (False, False, False, True)


def test_a_failing_block_leaves_the_collector_running() -> None:
    # Given the collector running; When the paused block raises
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("the sync failed")
    # Then it runs again
    assert gc.isenabled()


def test_a_batch_of_trade_updates_is_applied_with_the_collector_paused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the collector running, and the batch's per-user step observed
    seen: list[bool] = []
    real = updates._apply_users

    def observed(*args: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args)

    monkeypatch.setattr(updates, "_apply_users", observed)
    # When an (empty) batch is applied
    result = updates.apply_trade_updates(cast(Any, None), cast(Any, None), [], announce=lambda events: None)
    # Then its work ran with the collector paused, and it runs again after
    assert result == {}
    assert seen == [False]
    assert gc.isenabled()
