"""The one JSON client: exact decimals both ways, HTTP errors as replies, network failures as OSError."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.support.broker_stub import BrokerStub, Reply
from tradetrack.brokers import http
from tradetrack.market.providers import http as market_http


def test_numbers_parse_as_exact_decimals(broker_stub: BrokerStub) -> None:
    # Given a reply whose floats would not survive binary floating point
    broker_stub.route("GET", "/q", Reply(200, b'{"price": 23.689427000000002, "qty": 7, "tiny": 0.1}'))
    # When fetched
    reply = http.request_json("GET", f"{broker_stub.url}/q", {}, timeout_s=2)
    # Then every number is the text's exact value
    assert reply.body == {"price": Decimal("23.689427000000002"), "qty": 7, "tiny": Decimal("0.1")}
    assert reply.raw == b'{"price": 23.689427000000002, "qty": 7, "tiny": 0.1}'


def test_http_errors_are_replies_and_non_json_bodies_are_none(broker_stub: BrokerStub) -> None:
    broker_stub.route("GET", "/down", Reply(502, b"<html>bad gateway</html>", {"Retry-After": "4"}))
    reply = http.request_json("GET", f"{broker_stub.url}/down", {}, timeout_s=2)
    assert (reply.status, reply.body) == (502, None)
    assert http.retry_after(reply.headers) == 4.0


def test_a_form_is_url_encoded(broker_stub: BrokerStub) -> None:
    broker_stub.route("POST", "/token", {"ok": True})
    http.request_json(
        "POST",
        f"{broker_stub.url}/token",
        {"Accept": "application/json"},
        form={"a": "1 2", "b": "&"},
        timeout_s=2,
    )
    (request,) = broker_stub.requests
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.body == b"a=1+2&b=%26"
    assert request.form() == {"a": "1 2", "b": "&"}


def test_a_json_body_writes_decimals_as_exact_numbers(broker_stub: BrokerStub) -> None:
    broker_stub.route("POST", "/charges", {"ok": True})
    body = [
        {
            "price": Decimal("0.1"),
            "big": Decimal("12345678901234567890.123456789"),
            "n": 3,
            "s": "x",
            "f": None,
        }
    ]
    http.request_json("POST", f"{broker_stub.url}/charges", {}, json_body=body, timeout_s=2)
    (request,) = broker_stub.requests
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.body, parse_float=Decimal) == body
    assert b'"price":0.1' in request.body


def test_dumps_refuses_what_json_cannot_hold() -> None:
    with pytest.raises(ValueError, match="finite"):
        http.dumps(Decimal("NaN"))
    assert http.dumps({"a": [Decimal("1.50"), True]}) == '{"a":[1.50,true]}'


@pytest.mark.parametrize(
    "value",
    [
        {"order_id": "2611200000001", "quantity": 10, "variety": "regular", "tag": None, "amo": False},
        [{"é": "नमस्ते", 'quote"d': "tab\t\n\u2028"}, [], {}, (1, -2, True, None)],
        {"big": 10**30, "negative": -7, "float": 0.1, "exp": 1e16, "nested": {"list": [1.5, "x"]}},
        "plain",
        0,
    ],
)
def test_dumps_writes_what_json_dumps_writes_where_there_is_no_decimal(value: object) -> None:
    # Given a body without a Decimal (strings, ints, booleans, null, floats, nesting)
    # When it is written by dumps
    written = http.dumps(value)
    # Then it is exactly json.dumps's compact text (a signed body, as Breeze's, must not change)
    assert written == json.dumps(value, separators=(",", ":"))


def test_a_timeout_raises_an_os_error(broker_stub: BrokerStub) -> None:
    broker_stub.route("GET", "/slow", Reply(200, {}, delay_s=2.0))
    with pytest.raises(OSError, match="timed out"):
        http.request_json("GET", f"{broker_stub.url}/slow", {}, timeout_s=0.1)


def test_a_refused_connection_raises_an_os_error() -> None:
    with BrokerStub() as stub:
        url = stub.url
    with pytest.raises(ConnectionRefusedError) as caught:  # what callers catch: OSError
        http.request_json("GET", f"{url}/x", {}, timeout_s=1)
    assert isinstance(caught.value, OSError)


def test_form_and_json_together_are_refused() -> None:
    with pytest.raises(ValueError, match="not both"):
        http.request_json("POST", "http://127.0.0.1:9/", {}, form={"a": "b"}, json_body=[1], timeout_s=1)


def test_retry_after_reads_seconds_or_falls_back() -> None:
    assert http.retry_after({"retry-after": "2.5"}) == 2.5
    assert http.retry_after({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, default=1.0) == 1.0
    assert http.retry_after({}, default=3.0) == 3.0


def test_the_market_providers_use_the_same_client() -> None:
    assert market_http.HttpReply is http.HttpReply
    assert market_http.get_json is http.get_json
    assert market_http.retry_after is http.retry_after


@pytest.mark.parametrize(
    ("record", "reader", "name"),
    [
        ({}, http.text, "x"),
        ({"x": ""}, http.text, "x"),
        ({"x": True}, http.decimal, "x"),
        ({"x": "abc"}, http.decimal, "x"),
        ({"x": "Infinity"}, http.decimal, "x"),
        ({"x": Decimal("1.5")}, http.integer, "x"),
        ({"x": [1]}, http.integer, "x"),
    ],
)
def test_readers_name_the_field_they_could_not_read(
    record: dict[str, object], reader: object, name: str
) -> None:
    with pytest.raises(http.Malformed, match=name):
        reader(record, name)  # type: ignore[operator]
