"""The one JSON-over-HTTPS client of the package (stdlib http.client over kept-alive connections,
tradetrack.brokers.connections: no extra dependency in the layer).

HTTP errors are replies (status >= 400), never exceptions; network failures and timeouts raise
OSError (TimeoutError, ConnectionError, a refused connection or an unknown host), which callers
map to their own errors. Numbers in a JSON body parse as Decimal (brokers send prices as JSON
floats: never go through float), and a Decimal in a request body is written as the exact JSON
number.
"""

from __future__ import annotations

import http.client
import json
import sys
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tradetrack.brokers.connections import exchange

# What urllib.request sent before requests went over kept-alive connections (tradetrack.brokers.connections)
USER_AGENT = f"Python-urllib/{sys.version_info.major}.{sys.version_info.minor}"


@dataclass(frozen=True)
class HttpReply:
    status: int
    headers: dict[str, str]
    body: Any  # parsed JSON (numbers as Decimal), or None when the body is not JSON
    raw: bytes = b""


def parse_json(raw: bytes) -> Any:
    """The JSON value of `raw` with numbers as Decimal; None when it is not JSON."""
    try:
        return json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError):
        return None


_STRING = json.encoder.encode_basestring_ascii  # a str as json.dumps writes it (ensure_ascii)


def _scalar(value: Any) -> str | None:
    """A str, int, bool or None as json.dumps writes it; None for any other value."""
    if isinstance(value, str):
        return _STRING(value)
    if value is None:
        return "null"
    if value is True or value is False:  # before int: a bool is one (and 0 == False)
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    return None


def dumps(value: Any) -> str:
    """JSON text of `value`; a Decimal becomes the exact number (json.dumps would refuse it).
    Strings, ints, booleans and null are written here as json.dumps writes them, without a call
    to it per value (a charges request holds ~2,000 of them); anything else goes to json.dumps."""
    scalar = _scalar(value)
    if scalar is not None:
        return scalar
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("a JSON number must be finite")
        return format(value, "f")
    if isinstance(value, Mapping):
        items = (f"{_STRING(str(key))}:{dumps(item)}" for key, item in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    return json.dumps(value)


def request_json(
    method: str,
    url: str,
    headers: Mapping[str, str],
    *,
    form: Mapping[str, str] | None = None,
    json_body: Any = None,
    timeout_s: float,
) -> HttpReply:
    """One request; `form` is sent url-encoded, `json_body` as application/json (not both)."""
    if form is not None and json_body is not None:
        raise ValueError("send either a form or a JSON body, not both")
    sent = dict(headers)
    data: bytes | None = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    elif json_body is not None:
        data = dumps(json_body).encode()
        sent["Content-Type"] = "application/json"
    sent.setdefault("User-Agent", USER_AGENT)
    parts = urllib.parse.urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        with exchange(parts, method, target, data, sent, timeout_s) as response:
            raw = response.read()
            return HttpReply(response.status, dict(response.headers.items()), parse_json(raw), raw)
    except (
        http.client.HTTPException
    ) as exc:  # a broken reply (IncompleteRead, BadStatusLine): a network failure
        raise ConnectionError(f"{type(exc).__name__}: the connection broke mid-reply") from exc


def get_json(url: str, headers: dict[str, str], *, timeout_s: float) -> HttpReply:
    """GET `url`; HTTP errors are replies too (status >= 400); network failures raise OSError."""
    return request_json("GET", url, headers, timeout_s=timeout_s)


def retry_after(headers: Mapping[str, str], default: float = 1.0) -> float:
    """Seconds from a Retry-After header (delta-seconds form); `default` when absent or unreadable."""
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except ValueError:
                return default
    return default


# Reading the JSON a broker sent: each reader raises Malformed (a ValueError) naming the field, so a
# client can turn any unexpected shape into one clear error instead of a KeyError or TypeError.


class Malformed(ValueError):
    """A broker's reply lacks a field or has one of the wrong type."""


def field(record: Mapping[str, Any], name: str) -> Any:
    if name not in record or record[name] is None:
        raise Malformed(f"{name} is missing")
    return record[name]


def obj(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise Malformed(f"{what} is not an object")
    return value


def objects(value: Any, what: str) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        raise Malformed(f"{what} is not a list")
    return [obj(item, f"an item of {what}") for item in value]


def text(record: Mapping[str, Any], name: str) -> str:
    value = field(record, name)
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value) == "":
        raise Malformed(f"{name} is not a non-empty string")
    return str(value)


def opt_text(record: Mapping[str, Any], name: str) -> str | None:
    value = record.get(name)
    return None if value is None or value == "" else str(value)


def decimal(record: Mapping[str, Any], name: str) -> Decimal:
    value = field(record, name)
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise Malformed(f"{name} is not a number")
    try:
        number = Decimal(value)
    except ArithmeticError:
        raise Malformed(f"{name} is not a number") from None
    if not number.is_finite():
        raise Malformed(f"{name} is not a finite number")
    return number


def opt_decimal(record: Mapping[str, Any], name: str) -> Decimal | None:
    return None if record.get(name) in (None, "") else decimal(record, name)


def integer(record: Mapping[str, Any], name: str) -> int:
    number = decimal(record, name)
    if number != number.to_integral_value():
        raise Malformed(f"{name} is not a whole number")
    return int(number)


def opt_integer(record: Mapping[str, Any], name: str) -> int | None:
    return None if record.get(name) in (None, "") else integer(record, name)
