"""The WebSocket connection function: registry in real Redis, replies through the Management API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import redis
from botocore.stub import Stubber

from functions.ws_connection.handler import lambda_handler
from tests.support.lambda_events import lambda_context, ws_event
from tradetrack.aws import use_aws_client
from tradetrack.config import Settings

ENDPOINT = "https://ws.test.local/test"
CONNECTION = "L0SM9cOFvHcCIhw="


@pytest.fixture
def management(app_env: Settings) -> Iterator[Stubber]:
    client = boto3.client("apigatewaymanagementapi", endpoint_url=ENDPOINT, region_name="ap-south-1")
    use_aws_client("apigatewaymanagementapi", client, endpoint_url=ENDPOINT)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def invoke(route: str, body: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = lambda_handler(ws_event(route, CONNECTION, body=body), lambda_context())
    return response


def expect_post(stubber: Stubber, message: dict[str, Any]) -> None:
    stubber.add_response(
        "post_to_connection", {}, {"ConnectionId": CONNECTION, "Data": json.dumps(message).encode()}
    )


def test_connect_registers_and_disconnect_forgets(management: Stubber, redis_client: redis.Redis) -> None:
    assert invoke("$connect")["statusCode"] == 200
    assert redis_client.hget(f"ws:conn:{CONNECTION}", "userId") == "usr_ws"
    assert 0 < redis_client.ttl(f"ws:conn:{CONNECTION}") <= 7200
    assert invoke("$disconnect")["statusCode"] == 200
    assert not redis_client.exists(f"ws:conn:{CONNECTION}")


def test_ping_gets_pong(management: Stubber) -> None:
    expect_post(management, {"type": "pong"})
    assert invoke("$default", '{"action": "ping"}')["statusCode"] == 200


def test_a_bad_frame_gets_an_error_message_not_a_failure(management: Stubber) -> None:
    expect_post(management, {"type": "error", "code": "BAD_FRAME", "message": "frame is not valid JSON"})
    assert invoke("$default", "{oops")["statusCode"] == 200


def test_a_gone_connection_is_forgotten(management: Stubber, redis_client: redis.Redis) -> None:
    # Given a registered connection that API Gateway no longer has
    invoke("$connect")
    management.add_client_error(
        "post_to_connection", service_error_code="GoneException", http_status_code=410
    )
    # When we try to answer it / Then it is dropped from the registry
    assert invoke("$default", '{"action": "ping"}')["statusCode"] == 200
    assert not redis_client.exists(f"ws:conn:{CONNECTION}")


def test_connect_without_an_authorized_user_is_refused(
    management: Stubber, redis_client: redis.Redis
) -> None:
    # Given a $connect that reached the function without the authorizer's context
    event = ws_event("$connect", CONNECTION, user_id=None)
    # When handled / Then the connection is refused and nothing is registered
    assert lambda_handler(event, lambda_context())["statusCode"] == 401
    assert not redis_client.exists(f"ws:conn:{CONNECTION}")
