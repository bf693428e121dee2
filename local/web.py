"""The trader's web app (web/, built into web/dist by `make dev`) served by the local REST server on
its own origin, so the app calls /v1 without CORS: files of web/dist as they are, and index.html for
any other GET that is not an API path (the SPA's own routes, such as /trades)."""

from __future__ import annotations

import os
from pathlib import Path

from aiohttp import web

DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
# Paths that stay the API's (and its JSON 404), never the app's index.html.
API_PREFIXES = ("/v1/", "/_local/")
NO_CACHE = {"Cache-Control": "no-cache"}
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}  # hashed by Vite
# The app's runtime config (what CDK writes next to index.html in AWS): where its WebSocket API is.
CONFIG_PATH = "/config.json"


def app_config() -> dict[str, str | None]:
    """{"wsUrl"}: locally the WebSocket API shares its port with the Management API the stack
    names in WS_MANAGEMENT_ENDPOINT (http://HOST:WS_PORT), so the app connects to ws://HOST:WS_PORT."""
    endpoint = os.environ.get("WS_MANAGEMENT_ENDPOINT", "")
    ws = "ws" + endpoint.removeprefix("http") if endpoint.startswith("http") else None
    return {"wsUrl": ws}


def spa_response(path: str, dist: Path = DIST) -> web.StreamResponse | None:
    """The app's answer to GET `path`, or None: not built, or a path that belongs to the API."""
    index = dist / "index.html"
    if path == "/v1" or path.startswith(API_PREFIXES) or not index.is_file():
        return None
    root = dist.resolve()
    if path == CONFIG_PATH and not (root / "config.json").is_file():
        return web.json_response(app_config(), headers=NO_CACHE)
    candidate = (root / path.lstrip("/")).resolve()
    if candidate != root and candidate.is_relative_to(root) and candidate.is_file():
        headers = IMMUTABLE if candidate.parent == root / "assets" else NO_CACHE
        return web.FileResponse(candidate, headers=headers)
    return web.FileResponse(index, headers=NO_CACHE)
