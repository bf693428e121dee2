"""Domain errors. Handlers raise these; the REST layer turns them into API.md error bodies."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


class AppError(Exception):
    status: HTTPStatus = HTTPStatus.INTERNAL_SERVER_ERROR
    code: str = "INTERNAL_ERROR"

    def __init__(
        self,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        self.headers = headers or {}


class BadRequest(AppError):
    status, code = HTTPStatus.BAD_REQUEST, "BAD_REQUEST"


class ValidationFailed(AppError):
    status, code = HTTPStatus.BAD_REQUEST, "VALIDATION_ERROR"


class Unauthenticated(AppError):
    status, code = HTTPStatus.UNAUTHORIZED, "UNAUTHENTICATED"


class Forbidden(AppError):
    status, code = HTTPStatus.FORBIDDEN, "FORBIDDEN"


class NotFound(AppError):
    status, code = HTTPStatus.NOT_FOUND, "NOT_FOUND"


class Conflict(AppError):
    status, code = HTTPStatus.CONFLICT, "CONFLICT"


class PayloadTooLarge(AppError):
    status, code = HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "PAYLOAD_TOO_LARGE"


class SemanticError(AppError):
    status, code = HTTPStatus.UNPROCESSABLE_ENTITY, "UNPROCESSABLE"


class RateLimited(AppError):
    status, code = HTTPStatus.TOO_MANY_REQUESTS, "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, retry_after_s))})
        self.retry_after_s = max(1, retry_after_s)


class DependencyUnavailable(AppError):
    status, code = HTTPStatus.SERVICE_UNAVAILABLE, "DEPENDENCY_UNAVAILABLE"

    def __init__(self, dependency: str, message: str | None = None) -> None:
        super().__init__(message or f"{dependency} is unavailable", details=[{"dependency": dependency}])
        self.dependency = dependency
