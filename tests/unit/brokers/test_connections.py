"""Kept-alive broker connections (tradetrack.brokers.connections) against the stub: reuse, a
connection the server closed while idle, the race where it closes as a request goes out, HTTP/1.0
servers, threads, and the bound on idle connections."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.broker_stub import BrokerStub, Reply
from tradetrack.brokers import connections, http


@pytest.fixture(autouse=True)
def no_idle_connections() -> Iterator[None]:
    connections.close_idle()
    yield
    connections.close_idle()


def get(stub: BrokerStub, path: str = "/q") -> http.HttpReply:
    return http.request_json("GET", f"{stub.url}{path}", {}, timeout_s=2)


def test_requests_to_one_host_share_one_connection() -> None:
    with BrokerStub() as stub:
        # Given a broker answering HTTP/1.1 with kept-alive connections
        stub.route("GET", "/q", {"n": 1})
        stub.route("POST", "/charges", {"ok": True})
        # When five requests, a POST among them, are made one after the other
        replies = [get(stub) for _ in range(4)]
        posted = http.request_json("POST", f"{stub.url}/charges", {}, json_body={"a": 1}, timeout_s=2)
        # Then all were answered over one connection, which stays open for the next
        assert [r.body for r in replies] == [{"n": 1}] * 4 and posted.body == {"ok": True}
        assert stub.connections == 1
        assert connections.idle_count() == 1


def test_a_connection_the_server_closed_while_idle_is_replaced() -> None:
    with BrokerStub(idle_timeout_s=0.2) as stub:
        # Given a connection the broker closes after 0.2 s idle
        stub.route("GET", "/q", {"n": 1})
        assert get(stub).status == 200
        time.sleep(0.6)
        # When the next request is made
        reply = get(stub)
        # Then it is answered, over a new connection, with no error
        assert reply.status == 200 and stub.connections == 2


def test_a_connection_closed_as_the_request_goes_out_is_retried_once_on_a_new_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with BrokerStub(idle_timeout_s=0.2) as stub:
        # Given an idle connection the broker has closed, and the check before reuse missing it
        stub.route("POST", "/charges", {"ok": True})
        http.request_json("POST", f"{stub.url}/charges", {}, json_body={"a": 1}, timeout_s=2)
        time.sleep(0.6)
        monkeypatch.setattr(connections, "_closed_by_peer", lambda conn: False)
        # When a request goes out on it
        reply = http.request_json("POST", f"{stub.url}/charges", {}, json_body={"a": 2}, timeout_s=2)
        # Then the broken send is retried once on a new connection, which the broker answers
        assert reply.body == {"ok": True}
        assert stub.connections == 2
        assert [r.json() for r in stub.requests_to("POST", "/charges")] == [{"a": 1}, {"a": 2}]


@pytest.fixture
def hanging_up() -> Iterator[tuple[str, list[int]]]:
    """A server that reads each request and closes the connection without a reply; the URL and
    the count of connections it accepted."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[int] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            accepted.append(1)
            with conn:
                conn.recv(65536)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", accepted
    server.close()
    thread.join(timeout=5)


def test_a_new_connection_that_breaks_is_not_retried_here(hanging_up: tuple[str, list[int]]) -> None:
    url, accepted = hanging_up
    # Given a server that hangs up on every request without a reply
    # When a request is made (no connection to it is pooled)
    with pytest.raises(ConnectionError, match="broke mid-reply"):
        http.request_json("POST", f"{url}/charges", {}, json_body={"a": 1}, timeout_s=2)
    # Then the error is the caller's (its retry policy decides): one connection, no second send
    assert len(accepted) == 1
    assert connections.idle_count() == 0


def test_an_http_1_0_server_gets_a_connection_per_request() -> None:
    with BrokerStub(keep_alive=False) as stub:
        stub.route("GET", "/q", {"n": 1})
        replies = [get(stub) for _ in range(3)]
        assert [r.status for r in replies] == [200, 200, 200]
        assert stub.connections == 3 and connections.idle_count() == 0


def test_threads_never_share_a_connection_and_all_are_answered() -> None:
    with BrokerStub() as stub:
        # Given a broker that takes 0.2 s a reply
        stub.route("GET", "/q", Reply(200, {"n": 1}, delay_s=0.2))
        # When 6 threads ask at once, twice each
        with ThreadPoolExecutor(6) as pool:
            replies = list(pool.map(lambda _: get(stub), range(12)))
        # Then every request was answered and each thread's connection was its own
        assert all(r.body == {"n": 1} for r in replies)
        assert 6 <= stub.connections <= 12


def test_idle_connections_are_bounded() -> None:
    stubs = [BrokerStub().start() for _ in range(connections.MAX_IDLE + 4)]
    try:
        for stub in stubs:
            stub.route("GET", "/q", {"n": 1})
            get(stub)
        # Then the longest idle were closed: the pool holds MAX_IDLE at most
        assert connections.idle_count() == connections.MAX_IDLE
    finally:
        for stub in stubs:
            stub.stop()
