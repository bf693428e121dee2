"""$connect answering non-2xx refuses the upgrade, as API Gateway does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from functions.manifest import function
from local.background import BackgroundStack
from local.stack import LocalStack

pytestmark = pytest.mark.e2e


def _guard(event: dict[str, Any], context: Any) -> dict[str, Any]:
    token = (event.get("queryStringParameters") or {}).get("token")
    return {"statusCode": 200 if token == "good" else 401}


@pytest.fixture(scope="module")
def guarded_stack() -> Iterator[LocalStack]:
    stack = LocalStack(
        port=0,
        ws_port=0,
        functions=(function("ws_connection"),),  # no authorizer: the $connect function decides
        handlers={"ws_connection": _guard},
        schedules_enabled=False,
    )
    with BackgroundStack(stack) as running:
        yield running


def test_connect_without_token_is_refused_with_403(guarded_stack: LocalStack) -> None:
    # Given a $connect function that rejects calls without a good token
    # When a client connects without one
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{guarded_stack.ws_url}/", open_timeout=10)
    # Then the upgrade is refused with HTTP 403
    assert refused.value.response.status_code == 403


def test_connect_with_token_is_accepted(guarded_stack: LocalStack) -> None:
    with connect(f"{guarded_stack.ws_url}/?token=good", open_timeout=10) as ws:
        assert ws.protocol.state.name == "OPEN"
