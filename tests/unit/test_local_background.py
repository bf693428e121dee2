"""A local stack whose stop cannot finish still gives the process back its environment."""

from __future__ import annotations

import asyncio

import pytest

from local import background
from local.background import BackgroundStack


class HangingStack:
    def __init__(self) -> None:
        self.released = False

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        await asyncio.sleep(3600)

    def release(self) -> None:
        self.released = True


def test_a_stop_that_hangs_releases_the_process_and_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a stack whose stop never finishes
    monkeypatch.setattr(background, "STOP_TIMEOUT_S", 0.2)
    stack = HangingStack()
    # When its with-block ends
    with pytest.raises(TimeoutError), BackgroundStack(stack):  # type: ignore[arg-type]
        pass
    # Then the environment, settings and clients are released all the same (no next stack inherits
    # them), and where the stop hung is printed
    assert stack.released
    assert "did not stop in 0 s" in capsys.readouterr().err
