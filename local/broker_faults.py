"""Fault injection for the simulated Kite server: the next requests fail or answer late."""

from __future__ import annotations

from dataclasses import dataclass

_DEFAULT_ERROR_TYPES = {
    400: "InputException",
    403: "TokenException",
    429: "NetworkException",
    500: "GeneralException",
}
_DEFAULT_MESSAGES = {
    "TokenException": "Incorrect `api_key` or `access_token`.",
    "InputException": "Invalid input.",
    "NetworkException": "Gateway timed out.",
}


@dataclass
class Fault:
    """The next `count` requests (to paths starting with `path`, if given) wait `delay_s`, then fail with
    `status` (0: they go on normally after the delay)."""

    status: int
    error_type: str
    message: str
    count: int
    path: str | None = None
    retry_after_s: float | None = None
    delay_s: float = 0.0


class FaultInjection:
    """The fault knobs of a server (tests turn them); its middleware takes a request's fault."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def fail_next(
        self,
        status: int,
        error_type: str | None = None,
        count: int = 1,
        *,
        message: str | None = None,
        path: str | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        """The next `count` requests (to paths starting with `path`) fail with `status` and Kite's envelope;
        error_type defaults from the status (429 and 5xx NetworkException, 403 TokenException, ...)."""
        kind = error_type or _DEFAULT_ERROR_TYPES.get(
            status, "NetworkException" if status > 500 else "GeneralException"
        )
        text = message or (
            "Too many requests" if status == 429 else _DEFAULT_MESSAGES.get(kind, "Something went wrong.")
        )
        self._faults.append(Fault(status, kind, text, count, path, retry_after_s))

    def delay_next(self, seconds: float, count: int = 1, *, path: str | None = None) -> None:
        """The next `count` requests (to paths starting with `path`) answer `seconds` late."""
        self._faults.append(Fault(0, "", "", count, path, delay_s=seconds))

    def reset_faults(self) -> None:
        self._faults.clear()

    def _take_fault(self, path: str) -> Fault | None:
        for fault in self._faults:
            if fault.path is None or path.startswith(fault.path):
                fault.count -= 1
                if fault.count <= 0:
                    self._faults.remove(fault)
                return fault
        return None
