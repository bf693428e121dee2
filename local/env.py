"""Environment changes the local stack makes for its handlers, undone when it stops."""

from __future__ import annotations

import os
from collections.abc import Mapping


class EnvPatch:
    """Sets and removes variables in os.environ and restores the previous values on `restore()`."""

    def __init__(self) -> None:
        self._saved: dict[str, str | None] = {}

    def set(self, values: Mapping[str, str]) -> None:
        for name, value in values.items():
            self._saved.setdefault(name, os.environ.get(name))
            os.environ[name] = value

    def set_default(self, values: Mapping[str, str]) -> None:
        self.set({name: value for name, value in values.items() if name not in os.environ})

    def remove(self, *names: str) -> None:
        for name in names:
            self._saved.setdefault(name, os.environ.get(name))
            os.environ.pop(name, None)

    def restore(self) -> None:
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved.clear()
