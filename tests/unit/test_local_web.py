"""The local stack serves the built web app (local/web.py): its files, index.html for the app's own
routes, and never for API paths."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from aiohttp import web

from local.app_server import AppServer
from local.web import spa_response


class DistServer(AppServer):
    """What the REST server does for a GET no API route matched: the app's answer, else a 404."""

    def __init__(self, dist: Path) -> None:
        super().__init__()
        self.dist = dist

    def app(self) -> web.Application:
        async def handle(request: web.Request) -> web.StreamResponse:
            answer = spa_response(request.raw_path.split("?", 1)[0], dist=self.dist)
            return answer or web.json_response({"error": {"code": "NOT_FOUND"}}, status=404)

        app = web.Application()
        app.router.add_get(r"/{tail:[\s\S]*}", handle)
        return app


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><div id=root></div>")
    (root / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("outside dist")
    return root


@pytest.fixture
def server(dist: Path) -> Iterator[str]:
    with DistServer(dist) as running:
        yield running.url


def test_serves_hashed_assets_immutable_and_index_without_cache(server: str) -> None:
    # When the app's index and one of its hashed assets are fetched
    index = requests.get(f"{server}/", timeout=5)
    asset = requests.get(f"{server}/assets/index-abc123.js", timeout=5)
    # Then both are served, the asset cached for good, the index revalidated every time
    assert index.status_code == 200 and "id=root" in index.text
    assert index.headers["Cache-Control"] == "no-cache"
    assert asset.status_code == 200 and asset.text == "console.log(1)"
    assert "immutable" in asset.headers["Cache-Control"]


def test_app_routes_fall_back_to_index_but_api_paths_do_not(server: str) -> None:
    # When a route of the app and unknown API paths are fetched
    trades = requests.get(f"{server}/trades?status=open", timeout=5)
    api = requests.get(f"{server}/v1/no-such-thing", timeout=5)
    outbox = requests.get(f"{server}/_local/nothing", timeout=5)
    # Then the app route gets index.html (the SPA routes itself); the API keeps its JSON 404
    assert trades.status_code == 200 and "id=root" in trades.text
    assert api.status_code == 404 and api.json()["error"]["code"] == "NOT_FOUND"
    assert outbox.status_code == 404


@pytest.mark.parametrize("path", ["/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt"])
def test_never_serves_files_outside_dist(server: str, path: str) -> None:
    # Given a file next to dist; When a path tries to climb out of dist (sent as it is, unnormalised)
    host, port = server.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    connection.request("GET", path)
    reply = connection.getresponse()
    body = reply.read().decode()
    connection.close()
    # Then the file is not served (the app's index or a 404 instead)
    assert "outside dist" not in body
    assert reply.status in (200, 404)


def test_nothing_is_served_before_the_app_is_built(tmp_path: Path) -> None:
    # Given no build; Then GET / is left to the API's 404
    assert spa_response("/", dist=tmp_path / "missing") is None


def test_the_app_config_names_the_local_websocket_api(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the stack's WebSocket API (whose Management API shares its port) on port 3101
    monkeypatch.setenv("WS_MANAGEMENT_ENDPOINT", "http://127.0.0.1:3101")
    # When the app reads its runtime config
    reply = requests.get(f"{server}/config.json", timeout=5)
    # Then it names the WebSocket URL the app connects to, never cached
    assert reply.status_code == 200
    assert reply.json() == {"wsUrl": "ws://127.0.0.1:3101"}
    assert reply.headers["Cache-Control"] == "no-cache"
