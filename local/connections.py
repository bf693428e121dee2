"""Open WebSocket connections of the local WebSocket API, by connection id."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Connection:
    id: str
    ws: web.WebSocketResponse
    connected_at_ms: int
    source_ip: str
    user_agent: str | None
    domain_name: str
    last_active_ms: int = 0
    authorizer: dict[str, Any] | None = None  # requestContext.authorizer, added to every later event
    closed_by_server: int | None = None  # the close code we sent, if we closed it
    done: asyncio.Event = field(default_factory=asyncio.Event)  # set once $disconnect has run

    def __post_init__(self) -> None:
        self.last_active_ms = self.last_active_ms or self.connected_at_ms


class ConnectionRegistry:
    def __init__(self) -> None:
        self._connections: dict[str, Connection] = {}

    def add(self, connection: Connection) -> None:
        self._connections[connection.id] = connection

    def remove(self, connection_id: str) -> None:
        self._connections.pop(connection_id, None)

    def get(self, connection_id: str) -> Connection | None:
        connection = self._connections.get(connection_id)
        return connection if connection is not None and not connection.ws.closed else None

    def all(self) -> list[Connection]:
        return list(self._connections.values())

    def ids(self) -> list[str]:
        return list(self._connections)
