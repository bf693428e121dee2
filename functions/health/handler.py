"""GET /v1/health: the service and its dependencies (API.md, "Health")."""

from __future__ import annotations

from http import HTTPStatus

from tradetrack.cache.client import get_redis
from tradetrack.config import get_settings
from tradetrack.db.client import get_mongo_client
from tradetrack.health import check_health
from tradetrack.models.health import HealthReport
from tradetrack.rest import make_rest_resolver, rest_handler

from aws_lambda_powertools.event_handler import Response, content_types

app = make_rest_resolver()


@app.get(
    "/v1/health",
    summary="Service health",
    tags=["health"],
    responses={
        200: {
            "description": "All dependencies answer",
            "content": {"application/json": {"model": HealthReport}},
        },
        503: {
            "description": "A dependency is down",
            "content": {"application/json": {"model": HealthReport}},
        },
    },
)
def get_health() -> Response[HealthReport]:
    settings = get_settings()
    db = get_mongo_client()[settings.mongodb_db]
    report = check_health(db, get_redis(), version=settings.version)
    status = HTTPStatus.OK if report.status == "ok" else HTTPStatus.SERVICE_UNAVAILABLE
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=report)


lambda_handler = rest_handler(app)
