"""The local stack's logs in one format: its own and the handlers' (Powertools JSON on stdout).

"text" (the default): one line per entry, `time level component message key=value ...`, tracebacks
indented under it; a handler's JSON entry is rendered the same way, its component being the
function's name. "json" (LOCAL_LOG_FORMAT=json or `--log-format json`): the handlers' Powertools
JSON as Lambda writes it to CloudWatch, and the stack's own entries as JSON objects too.
"""

from __future__ import annotations

import io
import json
import logging
import sys
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

FORMATS = ("text", "json")
_RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
# Keys of a Powertools entry that the text line shows elsewhere or that repeat on every entry.
_HANDLER_KEYS_HIDDEN = {
    "level",
    "message",
    "timestamp",
    "service",
    "function_name",
    "function_memory_size",
    "function_arn",
    "function_request_id",
    "correlation_id",
    "cold_start",
    "location",
    "xray_trace_id",
    "exception",
    "exception_name",
    "exception_notes",
    "stack_trace",
}
_FUNCTION_PREFIX = "tradetrack-local-"


def _stamp(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, separators=(",", ":"))
    return f'"{text}"' if (" " in text or not text) else text


def _line(stamp: str, level: str, component: str, message: str, fields: Mapping[str, Any]) -> str:
    line = f"{stamp} {level:<5} {component:<14} {message}"
    if fields:
        line += " " + " ".join(f"{key}={_value(value)}" for key, value in fields.items())
    return line


def _indented(text: str) -> str:
    return "\n    " + text.rstrip("\n").replace("\n", "\n    ")


class KeyValueFormatter(logging.Formatter):
    """`time level component message key=value ...` on one line; tracebacks follow indented."""

    def format(self, record: logging.LogRecord) -> str:
        fields = {key: value for key, value in record.__dict__.items() if key not in _RESERVED}
        component = record.name.removeprefix("local.")
        line = _line(_stamp(record.created), record.levelname, component, record.getMessage(), fields)
        if record.exc_info:
            line += _indented(self.formatException(record.exc_info))
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per entry: timestamp, level, component, message, the extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": _stamp(record.created),
            "level": record.levelname,
            "component": record.name.removeprefix("local."),
            "message": record.getMessage(),
        }
        entry.update((key, value) for key, value in record.__dict__.items() if key not in _RESERVED)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def render_handler_line(line: str) -> str:
    """A line a handler printed, in the text format when it is a Powertools JSON entry (log or EMF
    metrics); any other line as it is."""
    if not line.startswith("{"):
        return line
    try:
        entry = json.loads(line)
    except ValueError:
        return line
    if not isinstance(entry, dict):
        return line
    function = str(entry.get("function_name") or entry.get("service") or "handler")
    component = function.removeprefix(_FUNCTION_PREFIX)
    if "_aws" in entry and "level" not in entry:  # an EMF metrics document
        stamp = _stamp(int(entry["_aws"].get("Timestamp", 0)) / 1000)
        names = [m["Name"] for d in entry["_aws"].get("CloudWatchMetrics", []) for m in d.get("Metrics", [])]
        return _line(
            stamp, "METRIC", component, "metrics", {name: _single(entry.get(name)) for name in names}
        )
    if "level" not in entry or "message" not in entry:
        return line
    fields = {key: value for key, value in entry.items() if key not in _HANDLER_KEYS_HIDDEN}
    if entry.get("cold_start") is True:
        fields["cold_start"] = True
    if entry.get("function_request_id"):
        fields["requestId"] = entry["function_request_id"]
    message = entry["message"] if isinstance(entry["message"], str) else json.dumps(entry["message"])
    rendered = _line(
        _powertools_stamp(entry.get("timestamp")), str(entry["level"]), component, message, fields
    )
    if entry.get("exception"):
        rendered += _indented(str(entry["exception"]))
    return rendered


def _single(value: Any) -> Any:
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _powertools_stamp(value: Any) -> str:
    """Powertools' default timestamp ("2026-12-06 17:58:13,243+0000") as the stack writes its own."""
    text = str(value or "")
    for pattern in ("%Y-%m-%d %H:%M:%S,%f%z", "%Y-%m-%dT%H:%M:%S.%f%z"):
        try:
            return _stamp(datetime.strptime(text, pattern).timestamp())
        except ValueError:
            continue
    return text


class RenderedStream(io.TextIOBase):
    """A text stream that renders each complete line with `render_handler_line` into `target`."""

    def __init__(self, target: TextIO) -> None:
        super().__init__()
        self.target = target
        self._pending = ""
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            *lines, self._pending = (self._pending + text).split("\n")
            for line in lines:
                self.target.write(render_handler_line(line) + "\n")
        return len(text)

    def flush(self) -> None:
        with self._lock:
            self.target.flush()

    def isatty(self) -> bool:
        return self.target.isatty()

    def fileno(self) -> int:
        return self.target.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.target, "encoding", "utf-8")


def render_handler_logs() -> None:
    """Route what the handlers print to stdout through RenderedStream: sys.stdout for what starts
    later, and the stream of every handler already made on the real stdout (Powertools' Logger)."""
    if isinstance(sys.stdout, RenderedStream):
        return
    original = sys.stdout
    rendered = RenderedStream(original)
    sys.stdout = rendered
    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, logging.StreamHandler) and handler.stream is original:
                handler.setStream(rendered)


def isolate_powertools_log_keys() -> None:
    """Keep the keys Powertools' Logger adds to every entry (function name, request id, correlation
    id) one set per thread. The Logger is one object per process; in Lambda one invocation runs at
    a time, here instances of several functions run at once, and their entries would carry each
    other's function name and request id. Idempotent."""
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    if isinstance(LambdaPowertoolsFormatter.__dict__.get("log_format"), _PerThreadKeys):
        return
    LambdaPowertoolsFormatter.log_format = _PerThreadKeys()  # type: ignore[assignment]


class _PerThreadKeys:
    """A formatter's `log_format` per thread: a thread starts from a copy of the first one set."""

    def __init__(self) -> None:
        self._values = threading.local()

    def _mine(self) -> dict[int, dict[str, Any]]:
        if not hasattr(self._values, "by_formatter"):
            self._values.by_formatter = {}
        mine: dict[int, dict[str, Any]] = self._values.by_formatter
        return mine

    def __get__(self, formatter: object, owner: type | None = None) -> Any:
        if formatter is None:
            return self
        mine = self._mine()
        if id(formatter) not in mine:
            mine[id(formatter)] = dict(formatter.__dict__.get("log_format") or {})
        return mine[id(formatter)]

    def __set__(self, formatter: object, value: dict[str, Any]) -> None:
        formatter.__dict__.setdefault("log_format", value)  # the first: where new threads start
        self._mine()[id(formatter)] = value


def configure_logging(level: str = "INFO", log_format: str = "text") -> None:
    """The stack's own logs on stderr, and in "text" the handlers' entries rendered the same way."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else KeyValueFormatter())
    root = logging.getLogger("local")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
    for noisy in ("werkzeug", "aiohttp.access", "botocore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if log_format != "json":
        render_handler_logs()
