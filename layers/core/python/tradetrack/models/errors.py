"""The error body every route answers with (API.md, "Errors"), and how a route documents one."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: list[dict[str, Any]] = []


class ErrorBody(BaseModel):
    error: ErrorDetail


# What each error status means in this API (the OpenAPI response descriptions).
ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "The request failed validation (malformed JSON, a missing or invalid field or parameter)",
    401: "No valid access token (missing, expired, revoked), or wrong credentials",
    403: "The token does not allow this (an administrator's route, a denied token)",
    404: "No such object for this user",
    409: "Conflicts with the stored state (a duplicate, or an object in another state)",
    413: "The request body is over the limit",
    415: "The body is not JSON (send Content-Type: application/json)",
    422: "Well-formed but cannot be applied (semantically invalid)",
    429: "Too many requests: retry after Retry-After seconds",
    503: "A dependency (database, cache, broker configuration) is unavailable: retry later",
}


def error_responses(*statuses: int) -> dict[int, OpenAPIResponse]:
    """`responses=` entries for the errors a route answers beyond the shared ones (e.g. 409, 422)."""
    return {
        status: {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"model": ErrorBody}},
        }
        for status in statuses
    }
