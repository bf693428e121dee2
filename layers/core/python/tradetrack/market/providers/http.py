"""A small JSON-over-HTTPS GET for the providers (the stdlib: no extra dependency in the layer)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class HttpReply:
    status: int
    headers: dict[str, str]
    body: Any  # parsed JSON (numbers as Decimal), or None when the body is not JSON


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError):
        return None


def get_json(url: str, headers: dict[str, str], *, timeout_s: float) -> HttpReply:
    """GET `url`; HTTP errors are replies too (status >= 400); network failures raise OSError."""
    request = urllib.request.Request(url, headers=headers, method="GET")  # noqa: S310 - https/stub URLs
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            return HttpReply(response.status, dict(response.headers.items()), _parse(response.read()))
    except urllib.error.HTTPError as exc:
        body = exc.read() if exc.fp is not None else b""
        return HttpReply(exc.code, dict(exc.headers.items()) if exc.headers else {}, _parse(body))


def retry_after(headers: dict[str, str], default: float = 1.0) -> float:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except ValueError:
                return default
    return default
