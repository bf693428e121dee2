"""The REST API: HTTP requests → API Gateway proxy events → the manifest's functions → HTTP.

A function's failures reach the client as API Gateway's do (a Lambda proxy integration, the
DEFAULT_5XX and INTEGRATION_TIMEOUT gateway responses of cdk/tradetrack_infra/gateway_responses.py):
a function that raised, returned a malformed response or ran past its own timeout (a function
error, "Task timed out") is a 502 INTERNAL_ERROR; an invocation still running when the
integration timeout (29 s, the REST API's default, which the CDK app keeps) expires is a 504
UPSTREAM_TIMEOUT, "Endpoint request timed out". AWS: "If the function runs but returns an error,
or returns a response in the wrong format, API Gateway returns a 502"
(https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html); "If an
integration request takes longer than your API Gateway REST API maximum integration timeout
parameter, API Gateway returns an HTTP 504 status code"
(https://repost.aws/knowledge-center/api-gateway-504-errors).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
import uuid
from collections.abc import Awaitable, Mapping
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from local.authorizer import Denial
from local.events.rest import rest_event
from local.gate import Gate
from local.lambda_runtime import FunctionRuntime, FunctionTimeout
from local.outbox import outbox
from local.routing import RestRouter
from local.web import spa_response

log = logging.getLogger("local.rest")

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway's request payload quota
_DRAIN_LIMIT = 8 * MAX_PAYLOAD_BYTES  # past this the connection is dropped instead of drained
_CORS_HEADERS = "Authorization,Content-Type,Idempotency-Key,X-Amz-Date,X-Api-Key"
INTEGRATION_TIMEOUT_S = 29.0  # a REST API's Lambda integration timeout (API Gateway's default)


def error_response(status: int, code: str, message: str, **extra: Any) -> web.Response:
    body = {"error": {"code": code, "message": message, "details": []}}
    return web.json_response(body, status=status, headers={"Access-Control-Allow-Origin": "*", **extra})


def proxy_response(result: Any) -> web.Response:
    """The HTTP response API Gateway makes of a proxy integration's result (502 when malformed)."""
    if not isinstance(result, Mapping) or not isinstance(result.get("statusCode"), int):
        raise ValueError(f"malformed Lambda proxy response: {str(result)[:200]}")
    headers: CIMultiDict[str] = CIMultiDict()
    multi = result.get("multiValueHeaders") or {}
    for name, value in (result.get("headers") or {}).items():
        if name not in multi:
            headers.add(name, str(value))
    for name, values in multi.items():
        for value in values:
            headers.add(name, str(value))
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode("utf-8")
    headers.popall("Content-Length", None)
    headers.popall("Transfer-Encoding", None)
    return web.Response(status=result["statusCode"], body=body, headers=headers)


class RestServer:
    def __init__(
        self,
        runtime: FunctionRuntime,
        *,
        cors_origins: tuple[str, ...] = ("*",),
        integration_timeout_s: float = INTEGRATION_TIMEOUT_S,
    ) -> None:
        self.runtime = runtime
        self.integration_timeout_s = integration_timeout_s
        self.router = RestRouter(runtime.functions)
        self.gate = Gate(runtime)
        self.cors_origins = cors_origins

    def app(self) -> web.Application:
        # A long request line (a percent-encoded query) reaches the API and its JSON errors, not aiohttp's
        # text 400 past 8,190 bytes
        app = web.Application(client_max_size=MAX_PAYLOAD_BYTES, handler_args={"max_line_size": 65_536})
        app.router.add_get("/_local/outbox", outbox)  # email and SMS sent through moto
        # [\s\S]: a path with an encoded newline (%0A) is routed too, not answered by aiohttp in text
        app.router.add_route("*", r"/{tail:[\s\S]*}", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        function = "-"
        try:
            response, function = await self._dispatch(request)
        except Exception:
            log.exception("local stack failure", extra={"path": request.path})
            response = error_response(502, "INTERNAL_ERROR", "Internal server error")
        elapsed = (time.perf_counter() - started) * 1000
        log.info(
            "%s %s %s %.1fms",
            request.method,
            request.path_qs,
            response.status,
            elapsed,
            extra={"function": function},
        )
        return response

    async def _dispatch(self, request: web.Request) -> tuple[web.StreamResponse, str]:
        path = request.raw_path.split("?", 1)[0]
        if request.method == "OPTIONS":
            return self._preflight(request, path), "-"
        body = await _read_body(request)
        if body is None:
            return error_response(
                413,
                "PAYLOAD_TOO_LARGE",
                f"request body exceeds {MAX_PAYLOAD_BYTES} bytes",
                Connection="close",
            ), "-"
        match = self.router.match(request.method, path)
        if match is None:
            app = spa_response(path) if request.method in ("GET", "HEAD") else None  # web/dist
            return (app or self._no_route(request, path)), "-"
        request_id = str(uuid.uuid4())
        event = rest_event(
            method=request.method,
            path=request.path,
            resource=match.route.path,
            path_parameters=match.path_parameters,
            headers=list(request.headers.items()),
            query=list(request.query.items()),
            body=body,
            source_ip=request.remote or "127.0.0.1",
            request_id=request_id,
            epoch_ms=int(time.time() * 1000),
            domain_name=request.host,
        )
        if not match.route.public:
            decision = await self.gate.authorize(event)
            if isinstance(decision, Denial):
                refusal = error_response(decision.status, decision.code, decision.message)
                refusal.headers.update(decision.headers)
                return refusal, match.spec.name
            event = decision
        invocation = self.runtime.invoke(match.spec, event, request_id)
        return await self._integrate(invocation, match.spec.name, request_id)

    async def _integrate(
        self, invocation: Awaitable[Any], function: str, request_id: str
    ) -> tuple[web.StreamResponse, str]:
        """The invocation's response as API Gateway makes it (the module's docstring)."""
        running = asyncio.ensure_future(invocation)
        done, _ = await asyncio.wait({running}, timeout=self.integration_timeout_s)
        extra = {"function": function, "requestId": request_id}
        if not done:
            # API Gateway stops waiting; the invocation runs on to its own end (the instance stays busy)
            running.cancel()
            log.error("integration timed out after %.0f s", self.integration_timeout_s, extra=extra)
            return error_response(504, "UPSTREAM_TIMEOUT", "Endpoint request timed out"), function
        try:
            return proxy_response(running.result()), function
        except FunctionTimeout as exc:
            log.error("function error: %s", exc, extra=extra)
        except Exception:
            log.exception("function failed", extra=extra)
        return error_response(502, "INTERNAL_ERROR", "Internal server error"), function

    def _no_route(self, request: web.Request, path: str) -> web.Response:
        """405 when the path exists with other methods (API Gateway's ANY catch-all), else 404."""
        allowed = self.router.methods(path)
        if allowed:
            message = f"{request.method} is not allowed on {request.path}: use {', '.join(allowed)}"
            return error_response(405, "METHOD_NOT_ALLOWED", message, Allow=", ".join(allowed))
        return error_response(404, "NOT_FOUND", f"no route for {request.method} {request.path}")

    def _preflight(self, request: web.Request, path: str) -> web.Response:
        methods = self.router.methods(path)
        if not methods:
            return error_response(404, "NOT_FOUND", f"no route for OPTIONS {request.path}")
        origin = "*"
        if "*" not in self.cors_origins:
            requested = request.headers.get("Origin", "")
            origin = requested if requested in self.cors_origins else self.cors_origins[0]
        headers = {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": ",".join([*methods, "OPTIONS"]),
            "Access-Control-Allow-Headers": _CORS_HEADERS,
            "Access-Control-Max-Age": "600",
        }
        if origin != "*":
            headers["Access-Control-Allow-Credentials"] = "true"
            headers["Vary"] = "Origin"
        return web.Response(status=204, headers=headers)


async def _read_body(request: web.Request) -> bytes | None:
    """The body, or None when it is over API Gateway's limit (drained so the client reads our 413)."""
    if not request.body_exists:
        return b""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(256 * 1024):
        size += len(chunk)
        if size > _DRAIN_LIMIT:
            break
        if size <= MAX_PAYLOAD_BYTES:
            chunks.append(chunk)
    return b"".join(chunks) if size <= MAX_PAYLOAD_BYTES else None
