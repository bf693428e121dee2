"""The error body every route answers with (API.md, "Errors")."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: list[dict[str, Any]] = []


class ErrorBody(BaseModel):
    error: ErrorDetail
