"""GET /v1/health against the suite's real FerretDB and Redis, and with each of them away."""

from __future__ import annotations

from typing import Any

import pytest

from functions.health.handler import lambda_handler
from tests.support.lambda_events import lambda_context, response_json, rest_event
from tests.support.servers import free_port
from tradetrack import __version__
from tradetrack.cache.client import create_redis_client, use_redis_client
from tradetrack.config import Settings
from tradetrack.db.client import create_mongo_client, use_mongo_client


def get_health() -> dict[str, Any]:
    return lambda_handler(rest_event("GET", "/v1/health"), lambda_context())


def test_healthy_when_both_dependencies_answer(app_env: Settings) -> None:
    # Given real Mongo and Redis / When health is asked / Then 200 with both ok
    response = get_health()
    assert response["statusCode"] == 200
    assert response_json(response) == {
        "status": "ok",
        "version": __version__,
        "dependencies": {"mongo": "ok", "redis": "ok"},
    }


def test_503_names_redis_when_redis_is_away(app_env: Settings) -> None:
    # Given Redis on a port where nothing listens
    use_redis_client(create_redis_client(f"redis://127.0.0.1:{free_port()}/0", timeout_ms=200))
    # When health is asked
    response = get_health()
    # Then 503 and the body says which dependency is down
    assert response["statusCode"] == 503
    assert response_json(response)["dependencies"] == {"mongo": "ok", "redis": "down"}
    assert response_json(response)["status"] == "degraded"


def test_503_names_mongo_when_mongo_is_away(app_env: Settings) -> None:
    client = create_mongo_client(f"mongodb://127.0.0.1:{free_port()}", timeout_ms=200)
    use_mongo_client(client)
    try:
        response = get_health()
    finally:
        client.close()
    assert response["statusCode"] == 503
    assert response_json(response)["dependencies"] == {"mongo": "down", "redis": "ok"}


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_other_methods_are_not_routes(app_env: Settings, method: str) -> None:
    response = lambda_handler(rest_event(method, "/v1/health"), lambda_context())
    assert response["statusCode"] == 404
    assert response_json(response)["error"]["code"] == "NOT_FOUND"
