"""One-line structured logs of the local stack itself (handlers log JSON via Powertools)."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any

_RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class KeyValueFormatter(logging.Formatter):
    """`time level component message key=value ...` on one line; tracebacks follow indented."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        component = record.name.removeprefix("local.")
        fields = " ".join(
            f"{key}={_value(value)}" for key, value in record.__dict__.items() if key not in _RESERVED
        )
        line = f"{stamp} {record.levelname:<5} {component:<10} {record.getMessage()}"
        if fields:
            line = f"{line} {fields}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info).replace("\n", "\n    ")
        return line


def _value(value: Any) -> str:
    text = str(value)
    return f'"{text}"' if (" " in text or not text) else text


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter())
    root = logging.getLogger("local")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
    for noisy in ("werkzeug", "aiohttp.access", "botocore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
