"""A scripted HTTP server on 127.0.0.1 standing in for a broker API (Kite, Upstox) in tests.

    with BrokerStub() as stub:                     # a free port, served from a background thread
        stub.route("GET", "/orders", {"status": "success", "data": []})
        stub.route("GET", "/trades",
                   Reply(503, {"status": "error", "message": "down", "error_type": "NetworkException"}),
                   Reply(200, fixture_bytes))         # bytes are served as they are (exact decimals)
        client = KiteClient("key", "token", base_url=stub.url)
        ...
        (request,) = stub.requests_to("GET", "/orders")
        assert request.headers["x-kite-version"] == "3"   # header names are case-insensitive

Routes are (METHOD, path) without the query string. A route serves its replies in order and
then repeats the last one. A reply is a `Reply(status, body, headers, delay_s)` or just a body
(status 200); a body is JSON-encoded (a Decimal as its exact number) unless it is bytes, which are
sent as they are. `delay_s` holds the reply back, to test client timeouts (stopping the stub cuts
any wait short). A request no route matches gets a 404 with a Kite-style error envelope.

`answer(method, path, reply_to)` computes each reply from the request instead, for an API whose
answer depends on what is sent (Kite's POST /charges/orders): `reply_to(request)` returns a reply
or a body as above; an answered path takes precedence over a scripted one.

Every request is recorded, in arrival order, in `requests` as a `Request`: method, path, query
(name -> list of values), headers (case-insensitive names), raw body; `.json()` and `.form()`
decode the body. `requests_to(method, path)` filters them. `url` is "http://127.0.0.1:<port>".
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tradetrack.brokers.connections import close_idle
from tradetrack.brokers.http import dumps


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None  # a JSON value (Decimal allowed: written as the exact number), or bytes as they are
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_s: float = 0.0

    def payload(self) -> bytes:
        return self._encoded

    @cached_property
    def _encoded(self) -> bytes:  # once a reply: a scripted route repeats its last one
        return self.body if isinstance(self.body, bytes) else dumps(self.body).encode()


class Headers(Mapping[str, str]):
    """Request headers with case-insensitive names."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._items = {name.lower(): value for name, value in items}

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Headers
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode())

    def form(self) -> dict[str, str]:
        """A url-encoded body, one value per name."""
        return {
            name: values[-1] for name, values in parse_qs(self.body.decode(), keep_blank_values=True).items()
        }


class BrokerStub:
    """HTTP/1.1 with kept-alive connections, as the brokers' APIs answer (`keep_alive=False`: HTTP/1.0,
    a connection per request); a connection idle for `idle_timeout_s` is closed by the stub."""

    def __init__(self, *, keep_alive: bool = True, idle_timeout_s: float = 5.0) -> None:
        self.keep_alive = keep_alive
        self.idle_timeout_s = idle_timeout_s
        self.connections = 0  # connections accepted
        self.requests: list[Request] = []
        self._routes: dict[tuple[str, str], list[Reply]] = {}
        self._answers: dict[tuple[str, str], Callable[[Request], Reply | Any]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def route(self, method: str, path: str, *replies: Reply | Any) -> None:
        """Script `method path`: `replies` in order, the last repeating (replaces an earlier script)."""
        if not replies:
            raise ValueError("a route needs at least one reply")
        script = [reply if isinstance(reply, Reply) else Reply(body=reply) for reply in replies]
        with self._lock:
            self._routes[(method.upper(), path)] = script

    def answer(self, method: str, path: str, reply_to: Callable[[Request], Reply | Any]) -> None:
        """Answer `method path` with `reply_to(request)`: a Reply or a body (status 200)."""
        with self._lock:
            self._answers[(method.upper(), path)] = reply_to

    def requests_to(self, method: str, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.method == method.upper() and r.path == path]

    def _next_reply(self, request: Request) -> Reply:
        method, path = request.method, request.path
        with self._lock:
            reply_to = self._answers.get((method, path))
        if reply_to is not None:
            reply = reply_to(request)  # outside the lock: it may take a while, requests run in threads
            return reply if isinstance(reply, Reply) else Reply(body=reply)
        with self._lock:
            script = self._routes.get((method, path))
            if not script:
                message = f"no stub route for {method} {path}"
                return Reply(404, {"status": "error", "message": message, "error_type": "GeneralException"})
            return script.pop(0) if len(script) > 1 else script[0]

    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def start(self) -> BrokerStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if stub.keep_alive else "HTTP/1.0"
            timeout = stub.idle_timeout_s  # a kept-alive connection idle this long is closed
            # a reply's head and body go out in two writes: without TCP_NODELAY the body waits for
            # the client's delayed ACK (~40 ms) on a kept-alive connection, as no real server makes it
            disable_nagle_algorithm = True

            def setup(self) -> None:
                super().setup()
                with stub._lock:
                    stub.connections += 1

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers=Headers(list(self.headers.items())),
                    body=body,
                )
                stub._record(request)
                reply = stub._next_reply(request)
                if reply.delay_s and stub._stopping.wait(reply.delay_s):
                    self.close_connection = True
                    return
                payload = reply.payload()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    self.close_connection = True  # the client gave up (its timeout): nothing to answer

            do_GET = do_POST = do_PUT = do_DELETE = _serve  # noqa: N815 - http.server's naming

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="broker-stub", daemon=True
        )
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self

    def stop(self) -> None:
        self._stopping.set()
        close_idle()  # the client's kept-alive connections to this stub (and any other) go too
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> BrokerStub:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
