"""POST/GET /v1/alerts and DELETE /v1/alerts/{alertId} (API.md, "Market data and alerts")."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from tradetrack.alerts import create_alert, delete_alert, list_alerts
from tradetrack.db.client import get_database
from tradetrack.models.market import AlertOut, AlertPage, CreateAlertRequest
from tradetrack.pagination import DEFAULT_LIMIT, MAX_LIMIT
from tradetrack.rest import current_principal, make_rest_resolver, rest_handler

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

app = make_rest_resolver()


@app.post(
    "/v1/alerts",
    tags=["alerts"],
    responses={201: {"description": "Created", "content": {"application/json": {"model": AlertOut}}}},
)
def post_alert(request: Annotated[CreateAlertRequest, Body()]) -> Response[Any]:
    alert = create_alert(get_database(), current_principal(app).user_id, request)
    return Response(
        status_code=201,
        content_type=content_types.APPLICATION_JSON,
        body=alert.model_dump(mode="json", by_alias=True),
    )


@app.get("/v1/alerts", tags=["alerts"])
def get_alerts(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    status: Annotated[Literal["active", "triggered"] | None, Query()] = None,
) -> AlertPage:
    return list_alerts(
        get_database(), current_principal(app).user_id, limit=limit, cursor=cursor, status=status
    )


@app.delete("/v1/alerts/<alertId>", tags=["alerts"], responses={204: {"description": "Deleted"}})
def remove_alert(alertId: str) -> Response[Any]:  # noqa: N803 - path name
    delete_alert(get_database(), current_principal(app).user_id, alertId)
    return Response(status_code=204)


lambda_handler = rest_handler(app)
