"""The REST resolver every function uses: validation, CORS, OpenAPI and API.md error bodies.

`make_rest_resolver()` builds the APIGatewayRestResolver; `rest_handler(app)` wraps it into
the Lambda entry point with correlation ids, tracing, metrics and the request-size limit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import pymongo.errors
import redis.exceptions
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from tradetrack import __version__
from tradetrack.auth.revocation import RevocationUnknown, is_revoked
from tradetrack.cache.client import get_redis
from tradetrack.cache.rate_limit import API_PER_USER, take
from tradetrack.config import get_settings
from tradetrack.errors import AppError, DependencyUnavailable, Forbidden, RateLimited, Unauthenticated
from tradetrack.json_limits import loads_bounded
from tradetrack.observability import MetricUnit, logger, metrics, traced_handler

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: str


def current_principal(app: APIGatewayRestResolver) -> Principal:
    """The caller the authorizer let in; 401 when the route was reached without one."""
    context = (app.current_event.raw_event.get("requestContext") or {}).get("authorizer") or {}
    user_id = context.get("userId")
    if not user_id:
        raise Unauthenticated("authentication required")
    return Principal(user_id=str(user_id), role=str(context.get("role") or "user"))


def require_admin(app: APIGatewayRestResolver) -> Principal:
    principal = current_principal(app)
    if principal.role != "admin":
        raise Forbidden("this route is for administrators")
    return principal


def _caller_checks(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """For an authorized caller: a token revoked since API Gateway cached the authorizer's answer
    is refused (Mongo answering for a Redis that is away; 503 when neither answers), and 100
    requests/s per user apply (not while Redis is away: counted)."""
    context = (app.current_event.raw_event.get("requestContext") or {}).get("authorizer") or {}
    user_id = context.get("userId")
    if user_id:
        cache = get_redis()
        issued_at = context.get("issuedAt")
        jti = context.get("jti")
        try:  # Redis first, Mongo when Redis misses or is down (tradetrack.auth.revocation)
            revoked = issued_at is not None and is_revoked(
                cache, str(user_id), float(issued_at), str(jti) if jti else None
            )
        except RevocationUnknown:
            return error_response(
                HTTPStatus.SERVICE_UNAVAILABLE, "DEPENDENCY_UNAVAILABLE", "try again shortly"
            )
        if revoked:
            return error_response(HTTPStatus.UNAUTHORIZED, "UNAUTHENTICATED", "this token has been revoked")
        try:
            decision = take(cache, API_PER_USER, str(user_id))
        except redis.exceptions.RedisError as exc:
            logger.warning("caller checks unavailable", extra={"error": str(exc)})
            metrics.add_metric(name="CallerChecksUnavailable", unit=MetricUnit.Count, value=1)
        else:
            if not decision.allowed:
                limited = RateLimited("too many requests", retry_after_s=decision.retry_after_s)
                return error_response(limited.status, limited.code, limited.message, headers=limited.headers)
    return next_middleware(app)


API_TITLE = "TradeTrack API"


def error_response(
    status: HTTPStatus | int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    body = {"error": {"code": code, "message": message, "details": details or []}}
    return Response(
        status_code=int(status),
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body),
        headers=headers or {},
    )


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        details.append(
            {"field": ".".join(loc), "issue": err.get("type", "invalid"), "message": err.get("msg", "")}
        )
    return details


def make_rest_resolver() -> APIGatewayRestResolver:
    """A resolver with request validation, CORS, OpenAPI metadata and the API.md error mapping."""
    settings = get_settings()
    origins = list(settings.cors_allow_origins) or ["*"]
    cors = CORSConfig(
        allow_origin=origins[0],
        extra_origins=origins[1:],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
        expose_headers=["Retry-After"],
        max_age=600,
        allow_credentials=origins[0] != "*",
    )
    # Every JSON body is parsed by loads_bounded: a body nested too deep is a 400, not a RecursionError.
    app = APIGatewayRestResolver(enable_validation=True, cors=cors, json_body_deserializer=loads_bounded)
    app.configure_openapi(title=API_TITLE, version=__version__)
    app.use(middlewares=[_caller_checks])

    @app.exception_handler(RequestValidationError)
    def _invalid_request(exc: RequestValidationError) -> Response[str]:
        details = _validation_details(exc)
        malformed = any(d["issue"] == "json_invalid" for d in details)
        message = "request body is not valid JSON" if malformed else "request failed validation"
        return error_response(HTTPStatus.BAD_REQUEST, "VALIDATION_ERROR", message, details)

    @app.exception_handler(UnicodeDecodeError)
    def _not_utf8(exc: UnicodeDecodeError) -> Response[str]:
        return error_response(
            HTTPStatus.BAD_REQUEST, "VALIDATION_ERROR", "request body is not valid UTF-8 text"
        )

    @app.exception_handler(AppError)
    def _app_error(exc: AppError) -> Response[str]:
        if exc.status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            logger.warning("request failed", extra={"code": exc.code, "error": exc.message})
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler([pymongo.errors.ConnectionFailure, redis.exceptions.ConnectionError])
    def _dependency_down(exc: Exception) -> Response[str]:
        dependency = "mongo" if isinstance(exc, pymongo.errors.PyMongoError) else "redis"
        logger.warning("dependency unavailable", extra={"dependency": dependency, "error": str(exc)})
        metrics.add_metric(name="DependencyUnavailable", unit=MetricUnit.Count, value=1)
        down = DependencyUnavailable(dependency)
        return error_response(down.status, down.code, down.message, down.details)

    @app.not_found
    def _no_route(_: Exception) -> Response[str]:
        event = app.current_event
        return error_response(
            HTTPStatus.NOT_FOUND, "NOT_FOUND", f"no route for {event.http_method} {event.path}"
        )

    return app


def _body_size(event: dict[str, Any]) -> int:
    body = event.get("body") or ""
    size = len(body.encode("utf-8"))
    return size * 3 // 4 if event.get("isBase64Encoded") else size


def _refusal(status: HTTPStatus, code: str, message: str, details: list[dict[str, Any]]) -> dict[str, Any]:
    """A proxy result refusing the request before the resolver sees it."""
    return {
        "statusCode": int(status),
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": json.dumps({"error": {"code": code, "message": message, "details": details}}),
        "isBase64Encoded": False,
    }


def _too_large(limit: int) -> dict[str, Any]:
    return _refusal(
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
        f"request body exceeds {limit} bytes",
        [{"limitBytes": limit}],
    )


def _is_multipart(event: dict[str, Any]) -> bool:
    """Multipart bodies: no route takes one, and Powertools' parser raises on a missing boundary."""
    headers = event.get("headers") or {}
    content_type = next((str(v) for k, v in headers.items() if k.lower() == "content-type"), "")
    return content_type.strip().lower().startswith("multipart/")


def rest_handler(app: APIGatewayRestResolver, *, max_body_bytes: int | None = None) -> LambdaHandler:
    """The Lambda entry point for a REST function: logs, traces, metrics, size limit, then the app.

    The body limit is MAX_BODY_BYTES (1 MB) unless the function names its own (imports: CSV files).
    """

    @metrics.log_metrics(capture_cold_start_metric=True)
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        limit = max_body_bytes or get_settings().max_body_bytes
        if _body_size(event) > limit:
            logger.info("request body too large", extra={"limitBytes": limit})
            return _too_large(limit)
        if _is_multipart(event):
            return _refusal(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                "send the body as application/json",
                [{"field": "Content-Type"}],
            )
        return app.resolve(event, context)

    traced: LambdaHandler = traced_handler(lambda_handler, capture_response=False)
    return logger.inject_lambda_context(
        traced, correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
    )
