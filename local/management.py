"""API Gateway Management API (`/@connections/{connectionId}`) over the local WebSocket connections."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from local.connections import Connection, ConnectionRegistry

MAX_MESSAGE_BYTES = 128 * 1024  # API Gateway's WebSocket message quota


def _error(status: int, error_type: str, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status, headers={"x-amzn-ErrorType": error_type})


def _gone(connection_id: str) -> web.Response:
    return _error(410, "GoneException", f"connection {connection_id} is gone")


def _iso(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat().replace("+00:00", "Z")


async def _post(request: web.Request, connection: Connection) -> web.Response:
    try:
        data = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _error(413, "PayloadTooLargeException", f"message exceeds {MAX_MESSAGE_BYTES} bytes")
    try:
        text: str | None = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    try:
        await (connection.ws.send_str(text) if text is not None else connection.ws.send_bytes(data))
    except ConnectionError:
        return _gone(connection.id)
    return web.Response(status=200)


def _describe(connection: Connection) -> web.Response:
    return web.json_response(
        {
            "connectedAt": _iso(connection.connected_at_ms),
            "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent},
            "lastActiveAt": _iso(connection.last_active_ms),
        }
    )


async def management_api(
    request: web.Request, connections: ConnectionRegistry, connection_id: str
) -> web.Response:
    """POST sends the body to the client as one frame, GET describes, DELETE closes; 410 if unknown."""
    connection = connections.get(connection_id)
    if connection is None:
        return _gone(connection_id)
    if request.method == "POST":
        return await _post(request, connection)
    if request.method == "GET":
        return _describe(connection)
    if request.method == "DELETE":
        connection.closed_by_server = 1000
        await connection.ws.close(code=1000, message=b"closed by the management API")
        return web.Response(status=204)
    return _error(405, "MethodNotAllowedException", f"{request.method} is not supported")
