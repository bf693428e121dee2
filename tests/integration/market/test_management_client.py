"""The lean Management API client over real HTTP: against the local Management API (local.websocket's
dispatch and local.management), a fan-out shard's frames arrive and gone connections are forgotten;
its keep-alive transport survives chunked bodies, closes and stale connections, and checks TLS
certificates; moto's
apigatewaymanagementapi server records what it posts as it records boto3's posts."""

from __future__ import annotations

import asyncio
import http.server
import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

import boto3
import pytest
import redis
from aiohttp import web
from botocore.credentials import Credentials

from local.connections import Connection
from local.lambda_runtime import FunctionRuntime
from local.websocket import WebSocketServer
from tradetrack.websocket import actions
from tradetrack.websocket.connections import connection_user
from tradetrack.websocket.fanout import Shard, deliver_shard, post_all
from tradetrack.websocket.management import (
    KeepAliveTransport,
    ManagementApi,
    Transport,
    Urllib3Transport,
    management_api,
    urllib3_pool,
)
from tradetrack.websocket.push import post_bytes

REGION = "ap-south-1"
CREDENTIALS = Credentials("testing", "testing", "token")


class RecordingSocket:
    """Stands in for a client's WebSocketResponse: records the frames it is sent and its close."""

    def __init__(self) -> None:
        self.frames: list[str | bytes] = []
        self.closed = False

    async def send_str(self, data: str) -> None:
        self.frames.append(data)

    async def send_bytes(self, data: bytes) -> None:
        self.frames.append(data)

    async def close(self, **_: Any) -> None:
        self.closed = True


class LocalManagementApi:
    """local.websocket's server (its Management API routes) on a loopback port, in a thread."""

    def __init__(self, connection_ids: list[str]) -> None:
        self.sockets = {c: RecordingSocket() for c in connection_ids}
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(started,), daemon=True)
        self.thread.start()
        assert started.wait(30)

    def _run(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        server = WebSocketServer(FunctionRuntime(()))
        now = int(time.time() * 1000)
        for connection_id, socket in self.sockets.items():
            ws = cast(web.WebSocketResponse, socket)
            server.connections.add(Connection(connection_id, ws, now, "127.0.0.1", None, "127.0.0.1"))
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", server.dispatch)
        self.runner = web.AppRunner(app, access_log=None)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.endpoint = f"http://127.0.0.1:{self.runner.addresses[0][1]}"
        started.set()
        self.loop.run_forever()

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


LIVE = [f"live{i:03d}AbC=" for i in range(60)] + ["a/b+c==", "sp ace~", "ünïcode"]


@pytest.fixture
def local_api() -> Iterator[LocalManagementApi]:
    api = LocalManagementApi(LIVE)
    yield api
    api.stop()


def keep_alive(endpoint: str, size: int) -> Transport:
    return KeepAliveTransport(endpoint, size=size)


def with_urllib3(endpoint: str, size: int) -> Transport:
    return Urllib3Transport(urllib3_pool(endpoint, size=size))


@pytest.fixture(params=[keep_alive, with_urllib3], ids=["keep-alive", "urllib3"])
def transport(request: pytest.FixtureRequest) -> Callable[[str, int], Transport]:
    return cast(Callable[[str, int], Transport], request.param)


def client(endpoint: str, transport: Transport) -> ManagementApi:
    return ManagementApi(endpoint, region=REGION, credentials=CREDENTIALS, transport=transport)


def test_every_frame_reaches_its_connection_from_many_threads(
    local_api: LocalManagementApi, transport: Callable[[str, int], Transport]
) -> None:
    # Given the local Management API with 63 connections and a client shared by 8 threads
    api = client(local_api.endpoint, transport(local_api.endpoint, 8))
    jobs = [(c, f'{{"to":"{c}","n":{n}}}'.encode()) for n in range(3) for c in LIVE]
    # When every frame is posted
    with ThreadPoolExecutor(8) as pool:
        outcome = post_all(jobs, lambda c, d: post_bytes(api, c, d), pool, 8)
    # Then each connection got its three frames as text, the ids encoded so the API found them
    assert (len(outcome.delivered), outcome.gone, outcome.failed) == (len(jobs), [], [])
    for connection_id, socket in local_api.sockets.items():
        assert sorted(socket.frames) == sorted(f'{{"to":"{connection_id}","n":{n}}}' for n in range(3))


def test_a_shard_forgets_the_connections_the_api_says_are_gone(
    local_api: LocalManagementApi, redis_client: redis.Redis, transport: Callable[[str, int], Transport]
) -> None:
    # Given five registered connections, two of them unknown to the Management API (closed)
    live, gone = LIVE[:3], ["gone001AbC=", "gone002AbC="]
    for connection_id in live + gone:
        actions.connect(redis_client, connection_id, f"usr_{connection_id}", ttl_s=7200)
    api = client(local_api.endpoint, transport(local_api.endpoint, 4))
    shard = Shard("tick-0", time.time(), ('{"q":1}',), tuple((c, 0) for c in live + gone))
    # When ws_fanout's shard delivery posts with the client
    with ThreadPoolExecutor(4) as pool:
        result = deliver_shard(
            redis_client,
            shard,
            lambda c, d: post_bytes(api, c, d),
            pool,
            workers=4,
            now=time.time(),
            max_age_s=30,
        )
    # Then the live got the frame, and the 410s were forgotten in Redis (the live kept)
    assert (result.delivered, result.gone) == (3, 2)
    assert all(local_api.sockets[c].frames == ['{"q":1}'] for c in live)
    assert all(connection_user(redis_client, c) is None for c in gone)
    assert all(connection_user(redis_client, c) == f"usr_{c}" for c in live)


def test_delete_closes_a_connection_and_later_posts_find_it_gone(local_api: LocalManagementApi) -> None:
    # Given a live connection
    api = client(local_api.endpoint, keep_alive(local_api.endpoint, 1))
    # When the client deletes it, Then the socket is closed and a post answers gone
    api.delete_connection(ConnectionId="a/b+c==")
    assert local_api.sockets["a/b+c=="].closed
    assert api.post("a/b+c==", b"late") is False


class Scripted(http.server.BaseHTTPRequestHandler):
    """/chunked answers 410 with a chunked body; /close answers and closes; /drop answers as if it
    kept the connection, then closes it (a kept-alive connection the server dropped while idle)."""

    protocol_version = "HTTP/1.1"
    handled: list[str] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        type(self).handled.append(self.path)
        if self.path.endswith("/chunked"):
            self.send_response(410)
            self.send_header("x-amzn-ErrorType", "GoneException")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b'{"mess', b'age":"Gone"}'):
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_response(200)
        self.send_header("Content-Length", "0")
        if self.path.endswith("/close"):
            self.send_header("Connection", "close")
        self.end_headers()
        if self.path.endswith("/drop"):
            self.close_connection = True

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def scripted() -> Iterator[str]:
    Scripted.handled = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_keep_alive_transport_reads_chunked_errors_and_reconnects_after_closes(scripted: str) -> None:
    # Given a server answering a chunked 410, a Connection: close, and a silently dropped connection
    transport = KeepAliveTransport(scripted, size=1)
    api = client(scripted, transport)
    # When posting to each, Then the chunked 410 is a gone connection
    assert api.post("chunked", b"x") is False
    # And after a close or a drop the next post goes over a new connection, answered once each
    assert api.post("close", b"x") is True
    assert api.post("drop", b"x") is True
    assert api.post("after-drop", b"x") is True
    assert api.post("again", b"x") is True
    assert Scripted.handled == [
        f"/@connections/{p}" for p in ("chunked", "close", "drop", "after-drop", "again")
    ]
    assert len(transport._idle) == 1  # the last connection kept for the next post


def test_moto_records_our_posts_as_it_records_boto3s() -> None:
    # Given moto's apigatewaymanagementapi server
    pytest.importorskip("flask")
    from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        boto = boto3.client(
            "apigatewaymanagementapi",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        ours = management_api(endpoint, region=REGION, pool_size=2, credentials=CREDENTIALS)
        # When boto3 and our client each post to a connection
        boto.post_to_connection(ConnectionId="boto+id=", Data=b"from boto3")
        assert ours.post("ours+id=", b"from ours") is True
        # Then moto recorded both the same way (ids as moto keeps them, frames as sent)
        backend = apigatewaymanagementapi_backends["123456789012"][REGION]  # moto's default account
        recorded = {k: v.data for k, v in backend.connections.items() if k.endswith("%2Bid%3D")}
        assert recorded == {"boto%2Bid%3D": b"from boto3", "ours%2Bid%3D": b"from ours"}
    finally:
        server.stop()


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTPS server (a throwaway certificate for 127.0.0.1) answering as Scripted does."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl makes the test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    Scripted.handled = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/prod", cert
    server.shutdown()
    server.server_close()


def test_https_posts_go_over_one_verified_kept_alive_tls_connection(tls_server: tuple[str, Path]) -> None:
    # Given an HTTPS Management API whose certificate the client trusts
    endpoint, cert = tls_server
    transport = KeepAliveTransport(endpoint, size=1, ssl_context=ssl.create_default_context(cafile=cert))
    api = client(endpoint, transport)
    # When posting twice, Then both arrive, and the TLS connection is kept for the next
    assert api.post("one", b"x") is True
    assert api.post("two", b"x") is True
    assert Scripted.handled == ["/prod/@connections/one", "/prod/@connections/two"]
    (kept,) = transport._idle
    assert isinstance(kept.sock, ssl.SSLSocket)


def test_an_untrusted_certificate_is_refused_without_retry(tls_server: tuple[str, Path]) -> None:
    # Given an HTTPS endpoint whose certificate is not in botocore's CA bundle
    endpoint, _ = tls_server
    slept: list[float] = []
    api = client(endpoint, KeepAliveTransport(endpoint, size=1))
    api.sleep = slept.append
    # When posting, Then verification fails at once: nothing sent, no retry
    with pytest.raises(ssl.SSLCertVerificationError):
        api.post("one", b"x")
    assert (Scripted.handled, slept) == ([], [])
