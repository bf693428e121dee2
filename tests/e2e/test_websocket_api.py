"""The WebSocket API and its Management API over real sockets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.e2e.accounts import register_and_login
from tests.e2e.conftest import RunningStack
from tests.e2e.doubles import wait_until

pytestmark = pytest.mark.e2e


def _receive_json(ws: ClientConnection) -> dict[str, object]:
    message = ws.recv(timeout=5)
    assert isinstance(message, str)
    data = json.loads(message)
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def account(running: RunningStack) -> tuple[str, str]:
    """(userId, accessToken) of a user registered and logged in through the REST API."""
    return register_and_login(running.rest_url, prefix="ws", name="WS Trader")


@pytest.fixture
def client(running: RunningStack, account: tuple[str, str]) -> Iterator[tuple[ClientConnection, str]]:
    """An authenticated open connection and its connectionId (closed after the test)."""
    before = set(running.stack.websocket.connections.ids())
    with connect(f"{running.ws_url}/?token={account[1]}", open_timeout=10) as ws:
        assert wait_until(lambda: len(set(running.stack.websocket.connections.ids()) - before) == 1)
        (connection_id,) = set(running.stack.websocket.connections.ids()) - before
        yield ws, connection_id


def test_connect_registers_the_connection_in_redis(
    running: RunningStack, account: tuple[str, str], client: tuple[ClientConnection, str]
) -> None:
    # Given a client connected with its access token
    _, connection_id = client
    # Then the authorizer identified the user and $connect stored it under ws:conn:<id>
    assert running.stack.redis.hget(f"ws:conn:{connection_id}", "userId") == account[0]


def test_connect_without_a_token_is_refused_with_401(running: RunningStack) -> None:
    # When a client connects without a token, Then the authorizer refuses the upgrade
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{running.ws_url}/", open_timeout=10)
    assert refused.value.response.status_code == 401


def test_private_rest_route_needs_a_token(running: RunningStack, account: tuple[str, str]) -> None:
    # When GET /v1/me is called without and with the access token
    anonymous = requests.get(f"{running.rest_url}/v1/me", timeout=10)
    me = requests.get(
        f"{running.rest_url}/v1/me", headers={"Authorization": f"Bearer {account[1]}"}, timeout=10
    )
    # Then the authorizer answers 401 first, and lets the caller through second
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "UNAUTHENTICATED"
    assert me.status_code == 200, me.text
    assert me.json()["userId"] == account[0]


def test_ping_gets_pong(client: tuple[ClientConnection, str]) -> None:
    ws, _ = client
    # When the client pings
    ws.send(json.dumps({"action": "ping"}))
    # Then the function answers through the Management API
    assert _receive_json(ws) == {"type": "pong"}


def test_bad_json_gets_an_error_frame_and_the_connection_stays_open(
    client: tuple[ClientConnection, str],
) -> None:
    ws, _ = client
    # When a frame is not JSON
    ws.send("{not json")
    # Then an error frame comes back
    reply = _receive_json(ws)
    assert reply["type"] == "error"
    assert reply["code"] == "BAD_FRAME"
    # and the connection still works
    ws.send(json.dumps({"action": "ping"}))
    assert _receive_json(ws) == {"type": "pong"}


def test_unknown_action_gets_an_error_frame(client: tuple[ClientConnection, str]) -> None:
    ws, _ = client
    ws.send(json.dumps({"action": "dance"}))
    reply = _receive_json(ws)
    assert reply["type"] == "error"
    assert reply["code"] == "UNKNOWN_ACTION"


def test_disconnect_removes_the_connection_from_redis(
    running: RunningStack, account: tuple[str, str]
) -> None:
    # Given a connected client
    before = set(running.stack.websocket.connections.ids())
    with connect(f"{running.ws_url}/?token={account[1]}", open_timeout=10):
        assert wait_until(lambda: len(set(running.stack.websocket.connections.ids()) - before) == 1)
        (connection_id,) = set(running.stack.websocket.connections.ids()) - before
        assert running.stack.redis.exists(f"ws:conn:{connection_id}")
    # When it closes, Then $disconnect forgets it
    assert wait_until(lambda: not running.stack.redis.exists(f"ws:conn:{connection_id}"))


def test_management_api_answers_410_gone_for_an_unknown_connection(running: RunningStack) -> None:
    # When posting to a connection that never existed (raw HTTP, then boto3)
    raw = requests.post(
        f"{running.stack.management_endpoint}/@connections/{quote('Zm9vYmFyYmF6cXV4=', safe='')}",
        data=b"{}",
        timeout=5,
    )
    # Then 410 GoneException, which boto3 maps to its GoneException
    assert raw.status_code == 410
    assert raw.headers["x-amzn-ErrorType"] == "GoneException"
    assert "message" in raw.json()
    api = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=running.stack.management_endpoint,
        region_name="ap-south-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with pytest.raises(ClientError) as gone:
        api.post_to_connection(ConnectionId="a/b+c==", Data=b"{}")
    assert gone.value.response["Error"]["Code"] == "GoneException"


def test_management_api_posts_describes_and_deletes_a_connection(
    running: RunningStack, client: tuple[ClientConnection, str]
) -> None:
    ws, connection_id = client
    api = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=running.stack.management_endpoint,
        region_name="ap-south-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    # When boto3 posts to the connection, Then the client receives the bytes as a text frame
    api.post_to_connection(ConnectionId=connection_id, Data=b'{"type":"sync","status":"done"}')
    assert _receive_json(ws) == {"type": "sync", "status": "done"}
    # When it asks about the connection, Then it is described
    info = api.get_connection(ConnectionId=connection_id)
    assert info["Identity"]["SourceIp"] == "127.0.0.1"
    # When it deletes the connection, Then the client is closed and $disconnect runs
    api.delete_connection(ConnectionId=connection_id)
    assert wait_until(lambda: not running.stack.redis.exists(f"ws:conn:{connection_id}"))
    with pytest.raises(ClientError):
        api.get_connection(ConnectionId=connection_id)
