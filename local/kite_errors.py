"""Kite v3's response envelopes, and the error a simulated Kite handler raises to answer with one."""

from __future__ import annotations

from typing import Any

from aiohttp import web


class KiteError(Exception):
    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message


def kite_error(
    status: int, error_type: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    body = {"status": "error", "message": message, "data": None, "error_type": error_type}
    return web.json_response(body, status=status, headers=headers)


def kite_success(data: Any) -> web.Response:
    return web.json_response({"status": "success", "data": data})
