"""The WebSocket API ($connect/$disconnect/message routes) and its Management API, on one port.

Handlers reach clients with boto3's `apigatewaymanagementapi` client, which calls
`POST|GET|DELETE /@connections/{url-encoded connectionId}` (checked against botocore 1.44).
Message routing follows the route selection expression `$request.body.action`: a frame whose
JSON `action` names a route key in the manifest goes there, anything else to `$default`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from aiohttp import WSMsgType, web

from functions.manifest import FunctionSpec
from local.authorizer import Denial
from local.connections import Connection, ConnectionRegistry
from local.events.common import new_connection_id
from local.events.websocket import connect_event, disconnect_event, message_event
from local.gate import Gate
from local.lambda_runtime import FunctionRuntime
from local.management import MAX_MESSAGE_BYTES, management_api

log = logging.getLogger("local.ws")

_MANAGEMENT_PATH = re.compile(r"^(?:/[^/@]+)?/@connections/([^/]+)$")


def _ms() -> int:
    return int(time.time() * 1000)


class WebSocketServer:
    def __init__(self, runtime: FunctionRuntime) -> None:
        self.runtime = runtime
        self.routes: dict[str, FunctionSpec] = {}
        for spec in runtime.functions:
            for key in spec.websocket:
                if key in self.routes:
                    raise ValueError(f"route {key} is declared by {self.routes[key].name} and {spec.name}")
                self.routes[key] = spec
        self.connections = ConnectionRegistry()
        self.gate = Gate(runtime)
        self._message_tasks: set[asyncio.Task[None]] = set()

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_MESSAGE_BYTES)
        app.router.add_route("*", "/{tail:.*}", self.dispatch)
        return app

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        management = _MANAGEMENT_PATH.match(request.raw_path.split("?", 1)[0])
        if management:
            return await management_api(request, self.connections, unquote(management[1]))
        if request.method == "GET" and request.headers.get("Upgrade", "").lower() == "websocket":
            return await self.upgrade(request)
        return web.json_response({"message": "Not Found"}, status=404)

    async def upgrade(self, request: web.Request) -> web.StreamResponse:
        connection_id = new_connection_id()
        connected_at = _ms()
        source_ip = request.remote or "127.0.0.1"
        event = connect_event(
            connection_id=connection_id,
            request_id=str(uuid.uuid4()),
            epoch_ms=connected_at,
            headers=list(request.headers.items()),
            query=list(request.query.items()),
            domain_name=request.host,
            source_ip=source_ip,
        )
        decision = await self.gate.authorize(event)
        if isinstance(decision, Denial):
            log.info("connection refused by the authorizer", extra={"status": decision.status})
            return web.Response(status=decision.status, text=decision.message)
        event = decision
        authorizer = event["requestContext"].get("authorizer")
        protocols: tuple[str, ...] = ()
        if spec := self.routes.get("$connect"):
            try:
                result = await self.runtime.invoke(spec, event)
            except Exception:
                log.exception("$connect failed", extra={"connectionId": connection_id})
                return web.Response(status=500, text="Internal server error")
            status = result.get("statusCode", 200) if isinstance(result, Mapping) else 200
            if not 200 <= int(status) < 300:
                log.info("connection refused", extra={"connectionId": connection_id, "status": status})
                return web.Response(status=403, text="Forbidden")
            chosen = ((result.get("headers") or {}) if isinstance(result, Mapping) else {}).get(
                "Sec-WebSocket-Protocol"
            )
            protocols = (chosen,) if chosen else ()
        ws = web.WebSocketResponse(protocols=protocols, max_msg_size=MAX_MESSAGE_BYTES)
        await ws.prepare(request)
        connection = Connection(
            connection_id, ws, connected_at, source_ip, request.headers.get("User-Agent"), request.host
        )
        connection.authorizer = authorizer
        self.connections.add(connection)
        log.info("connected", extra={"connectionId": connection_id})
        try:
            async for message in ws:
                connection.last_active_ms = _ms()
                if message.type == WSMsgType.TEXT:
                    self._spawn(self._on_message(connection, message.data, is_base64=False))
                elif message.type == WSMsgType.BINARY:
                    self._spawn(
                        self._on_message(connection, base64.b64encode(message.data).decode(), is_base64=True)
                    )
        finally:
            self.connections.remove(connection_id)
            await self._on_disconnect(connection, connection.closed_by_server or ws.close_code or 1006)
        return ws

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._message_tasks.add(task)
        task.add_done_callback(self._message_tasks.discard)

    def _route_key(self, body: str, is_base64: bool) -> str:
        if not is_base64:
            try:
                action = json.loads(body).get("action")
            except (ValueError, AttributeError):
                action = None
            if isinstance(action, str) and not action.startswith("$") and action in self.routes:
                return action
        return "$default"

    async def _on_message(self, connection: Connection, body: str, *, is_base64: bool) -> None:
        route_key = self._route_key(body, is_base64)
        spec = self.routes.get(route_key)
        request_id = str(uuid.uuid4())
        if spec is None:
            await self._send_error(connection, "Forbidden", request_id)
            return
        event = message_event(
            route_key=route_key,
            connection_id=connection.id,
            request_id=request_id,
            epoch_ms=_ms(),
            connected_at_ms=connection.connected_at_ms,
            body=body,
            is_base64=is_base64,
            domain_name=connection.domain_name,
            source_ip=connection.source_ip,
            user_agent=connection.user_agent,
        )
        if connection.authorizer is not None:
            event["requestContext"]["authorizer"] = connection.authorizer
        started = time.perf_counter()
        try:
            await self.runtime.invoke(spec, event, request_id)
        except Exception:
            log.exception(
                "message route failed", extra={"function": spec.name, "connectionId": connection.id}
            )
            await self._send_error(connection, "Internal server error", request_id)
        log.info(
            "message %s %.1fms",
            route_key,
            (time.perf_counter() - started) * 1000,
            extra={"function": spec.name, "connectionId": connection.id},
        )

    async def _send_error(self, connection: Connection, message: str, request_id: str) -> None:
        if not connection.ws.closed:
            reply = {"message": message, "connectionId": connection.id, "requestId": request_id}
            await connection.ws.send_str(json.dumps(reply))

    async def _on_disconnect(self, connection: Connection, status_code: int) -> None:
        log.info("disconnected", extra={"connectionId": connection.id, "code": status_code})
        spec = self.routes.get("$disconnect")
        if spec is not None:
            event = disconnect_event(
                connection_id=connection.id,
                request_id=str(uuid.uuid4()),
                epoch_ms=_ms(),
                connected_at_ms=connection.connected_at_ms,
                status_code=status_code,
                domain_name=connection.domain_name,
                source_ip=connection.source_ip,
                user_agent=connection.user_agent,
            )
            if connection.authorizer is not None:
                event["requestContext"]["authorizer"] = connection.authorizer
            try:
                await self.runtime.invoke(spec, event)
            except Exception:
                log.exception("$disconnect failed", extra={"connectionId": connection.id})
        connection.done.set()

    async def close_all(self, timeout_s: float = 5.0) -> None:
        """Close every client (1001 going away) and wait for their $disconnect and pending messages."""
        open_connections = self.connections.all()
        for connection in open_connections:
            connection.closed_by_server = 1001
            await connection.ws.close(code=1001, message=b"server shutting down")
        waits = [connection.done.wait() for connection in open_connections]
        pending = [*waits, *self._message_tasks]
        if pending:
            await asyncio.wait([asyncio.ensure_future(w) for w in pending], timeout=timeout_s)
