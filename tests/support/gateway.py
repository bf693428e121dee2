"""API Gateway in a function call: the manifest's routes, the REQUEST authorizer, proxy events.

The same pieces the local stack serves over HTTP (router, event builder, authorizer rules),
called synchronously, so tests exercise every route exactly as deployed without sockets.
"""

from __future__ import annotations

import importlib
import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from functions.manifest import AUTHORIZER, FUNCTIONS, FunctionSpec, function
from local.authorizer import Denial, authorizer_event, decide
from local.events.rest import rest_event
from local.lambda_runtime import make_context
from local.routing import RestRouter


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any = None
    text: str = ""

    def error_code(self) -> str | None:
        return (self.body or {}).get("error", {}).get("code") if isinstance(self.body, dict) else None


@dataclass
class Gateway:
    functions: Iterable[FunctionSpec] = FUNCTIONS
    router: RestRouter = field(init=False)

    def __post_init__(self) -> None:
        self.router = RestRouter(self.functions)

    @staticmethod
    def _handler(spec: FunctionSpec) -> Any:
        return importlib.import_module(spec.module).lambda_handler

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        raw_body: str | bytes | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        source_ip: str = "127.0.0.1",
    ) -> Reply:
        match = self.router.match(method, path)
        if match is None:
            return Reply(404, {}, {"error": {"code": "NOT_FOUND"}})
        all_headers = {"Content-Type": "application/json", "User-Agent": "pytest", **(headers or {})}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        body = raw_body if raw_body is not None else (json.dumps(json_body) if json_body is not None else b"")
        request_id = str(uuid.uuid4())
        event = rest_event(
            method=method,
            path=path,
            resource=match.route.path,
            path_parameters=match.path_parameters,
            headers=list(all_headers.items()),
            query=list((query or {}).items()),
            body=body.encode("utf-8") if isinstance(body, str) else body,
            source_ip=source_ip,
            request_id=request_id,
            epoch_ms=int(time.time() * 1000),
        )
        if not match.route.public:
            decision = self.authorize(event)
            if isinstance(decision, Denial):
                refused = {"error": {"code": decision.code, "message": decision.message}}
                return Reply(decision.status, dict(decision.headers), refused)
            event = decision
        result = self._handler(match.spec)(event, make_context(match.spec, request_id))
        return self._reply(result)

    def authorize(self, event: dict[str, Any]) -> Denial | dict[str, Any]:
        spec = function(AUTHORIZER)
        try:
            result = self._handler(spec)(authorizer_event(event), make_context(spec))
        except Exception as exc:  # API Gateway reads the exception's message
            return decide(event, error=exc)
        return decide(event, result)

    @staticmethod
    def _reply(result: dict[str, Any]) -> Reply:
        headers = {k: str(v) for k, v in (result.get("headers") or {}).items()}
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers[name] = ",".join(str(v) for v in values)
        text = result.get("body") or ""
        try:
            body = json.loads(text) if text else None
        except ValueError:
            body = None
        return Reply(int(result["statusCode"]), headers, body, text)
