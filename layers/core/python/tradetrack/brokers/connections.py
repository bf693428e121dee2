"""Kept-alive HTTP(S) connections to the brokers, reused across requests of a warm container.

A sync asks a broker's API host for its orders, trades, positions, holdings and the orders'
charges, and a market feed asks for quotes every minute: with a new connection each (what
urllib.request does), each request paid a TCP connect and, against the brokers' HTTPS APIs, a TLS
handshake. Here a connection whose reply was read to its end goes back to an idle pool, by
(scheme, host, port), and the next request to that host takes it.

An idle connection the server has closed meanwhile (brokers' keep-alive timeouts are shorter than
the 5-minute sync schedule) is found before use: its socket reads as ready (end of stream) and is
dropped. A reused connection that still breaks before any reply arrives (the server closed it as
the request went out) is retried once on a new connection; a new connection is never retried here
(the caller's retry policy decides). The pool keeps at most MAX_IDLE connections in all, closing
the longest idle first; threads never share a connection.

AWS's Lambda best practices ask for this, and for the stale case: "Use a keep-alive directive to
maintain persistent connections. Lambda purges idle connections over time. Attempting to reuse an
idle connection when invoking a function will result in a connection error"
(https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html). On the sync bench's loopback stub
it changed nothing measurable (no TLS there; docs/performance.md): the gain is the handshakes.
"""

from __future__ import annotations

import http.client
import select
import ssl
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from urllib.parse import SplitResult

MAX_IDLE = 16
Key = tuple[str, str, int]
# Errors of a reused connection the server closed while idle, before any byte of a reply
STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)

_lock = threading.Lock()
_idle: OrderedDict[int, tuple[Key, http.client.HTTPConnection]] = OrderedDict()


@cache
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()  # certificates and host names verified, as urllib does


def key_of(url: SplitResult) -> Key:
    if url.scheme not in ("http", "https") or not url.hostname:
        raise ValueError(f"not an http(s) URL: {url.geturl()}")
    return url.scheme, url.hostname, url.port or (443 if url.scheme == "https" else 80)


def _new(key: Key, timeout_s: float) -> http.client.HTTPConnection:
    scheme, host, port = key
    if scheme == "https":
        return http.client.HTTPSConnection(host, port, timeout=timeout_s, context=_tls())
    return http.client.HTTPConnection(host, port, timeout=timeout_s)


def _closed_by_peer(conn: http.client.HTTPConnection) -> bool:
    """An idle connection whose socket is readable has been closed (or broken) by the server."""
    sock = conn.sock
    if sock is None:
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _take(key: Key) -> http.client.HTTPConnection | None:
    """An idle connection to `key` the server has not closed, or None."""
    with _lock:
        found = next((ident for ident, (k, _) in reversed(_idle.items()) if k == key), None)
        conn = _idle.pop(found)[1] if found is not None else None
    if conn is not None and _closed_by_peer(conn):
        conn.close()
        return None
    return conn


def _give_back(key: Key, conn: http.client.HTTPConnection) -> None:
    evicted: list[http.client.HTTPConnection] = []
    with _lock:
        _idle[id(conn)] = (key, conn)
        while len(_idle) > MAX_IDLE:
            evicted.append(_idle.popitem(last=False)[1][1])
    for old in evicted:
        old.close()


def idle_count() -> int:
    with _lock:
        return len(_idle)


def close_idle() -> None:
    """Close every idle connection (tests; a process about to fork)."""
    with _lock:
        conns = [conn for _, conn in _idle.values()]
        _idle.clear()
    for conn in conns:
        conn.close()


@contextmanager
def exchange(
    url: SplitResult, method: str, target: str, body: bytes | None, headers: dict[str, str], timeout_s: float
) -> Iterator[http.client.HTTPResponse]:
    """Send one request over a pooled connection and yield its response; once the caller has read
    it whole, the connection is kept for the next request unless the server said it would close."""
    key = key_of(url)
    conn = _take(key)
    reused = conn is not None
    if conn is None:
        conn = _new(key, timeout_s)
    try:
        response = _send(conn, method, target, body, headers, timeout_s)
    except STALE:
        conn.close()
        if not reused:
            raise
        conn = _new(key, timeout_s)
        reused = False
        try:
            response = _send(conn, method, target, body, headers, timeout_s)
        except BaseException:
            conn.close()
            raise
    except BaseException:
        conn.close()
        raise
    try:
        yield response
    except BaseException:
        conn.close()
        raise
    if response.isclosed() and not response.will_close:
        _give_back(key, conn)
    else:
        conn.close()


def _send(
    conn: http.client.HTTPConnection,
    method: str,
    target: str,
    body: bytes | None,
    headers: dict[str, str],
    timeout_s: float,
) -> http.client.HTTPResponse:
    conn.timeout = timeout_s
    if conn.sock is not None:
        conn.sock.settimeout(timeout_s)
    conn.request(method, target, body=body, headers=headers)
    return conn.getresponse()
