"""The stub broker server itself: scripted replies per route, recorded requests."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import pytest

from tests.support.broker_stub import BrokerStub, Reply
from tradetrack.brokers.http import request_json


def test_a_route_serves_its_replies_in_order_then_repeats_the_last(broker_stub: BrokerStub) -> None:
    broker_stub.route(
        "GET", "/x", Reply(503, {"n": 1}), {"n": 2}, Reply(201, b'{"n": 3}', {"X-Extra": "yes"})
    )
    replies = [request_json("GET", f"{broker_stub.url}/x", {}, timeout_s=2) for _ in range(4)]
    assert [(r.status, r.body["n"]) for r in replies] == [(503, 1), (200, 2), (201, 3), (201, 3)]
    assert replies[2].headers["X-Extra"] == "yes"


def test_requests_are_recorded_with_query_headers_and_body(broker_stub: BrokerStub) -> None:
    broker_stub.route("POST", "/p", {"ok": True})
    request_json(
        "POST", f"{broker_stub.url}/p?i=A&i=B&k=", {"X-Kite-Version": "3"}, json_body={"a": 1}, timeout_s=2
    )
    (request,) = broker_stub.requests
    assert (request.method, request.path) == ("POST", "/p")
    assert request.query == {"i": ["A", "B"], "k": [""]}
    assert request.headers["x-kite-version"] == request.headers["X-KITE-VERSION"] == "3"
    assert request.json() == {"a": 1}
    assert broker_stub.requests_to("post", "/p") == [request] and broker_stub.requests_to("GET", "/p") == []


def test_an_unrouted_request_is_a_404_error_envelope(broker_stub: BrokerStub) -> None:
    reply = request_json("DELETE", f"{broker_stub.url}/nowhere", {}, timeout_s=2)
    assert reply.status == 404
    assert reply.body["message"] == "no stub route for DELETE /nowhere"


def test_a_route_needs_a_reply(broker_stub: BrokerStub) -> None:
    with pytest.raises(ValueError, match="at least one reply"):
        broker_stub.route("GET", "/x")


def test_stopping_cuts_a_delayed_reply_short() -> None:
    # Given a reply held back 10 s and a client giving up after 0.1 s
    stub = BrokerStub().start()
    stub.route("GET", "/slow", Reply(200, {}, delay_s=10.0))
    with pytest.raises(TimeoutError):
        urllib.request.urlopen(f"{stub.url}/slow", timeout=0.1)  # noqa: S310 - a loopback stub
    # When the stub stops / Then it does not wait the 10 s out
    started = time.monotonic()
    stub.stop()
    assert time.monotonic() - started < 2
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{stub.url}/slow", timeout=0.5)  # noqa: S310


def test_an_answered_route_computes_each_reply_from_its_request(broker_stub: BrokerStub) -> None:
    # Given a route answered from the request's body, over a scripted reply on the same route
    broker_stub.route("POST", "/sum", {"total": -1})
    broker_stub.answer(
        "POST",
        "/sum",
        lambda request: (
            {"total": sum(request.json())} if request.json() else Reply(400, {"message": "nothing to add"})
        ),
    )
    # When two requests are sent
    replies = [
        request_json("POST", f"{broker_stub.url}/sum", {}, json_body=body, timeout_s=2)
        for body in ([1, 2], [])
    ]
    # Then each reply is computed from its own request (a body is a 200, a Reply keeps its status)
    assert [(r.status, r.body) for r in replies] == [
        (200, {"total": 3}),
        (400, {"message": "nothing to add"}),
    ]
    assert len(broker_stub.requests_to("POST", "/sum")) == 2
