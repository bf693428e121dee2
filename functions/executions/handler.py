"""POST/GET /v1/executions and DELETE /v1/executions/{executionId}: manual fills and the list."""

from __future__ import annotations

from typing import Annotated, Any

from tradetrack.cache.client import get_redis
from tradetrack.db.client import get_database
from tradetrack.executions import (
    ExecutionQuery,
    delete_manual_execution,
    list_executions,
    record_manual_execution,
)
from tradetrack.models.executions import ExecutionIn, ExecutionOut, Source
from tradetrack.models.trades import ExecutionPage
from tradetrack.pagination import DEFAULT_LIMIT, MAX_LIMIT
from tradetrack.rest import current_principal, make_rest_resolver, rest_handler

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

app = make_rest_resolver()

Text = Annotated[str | None, Query(max_length=64)]
_EXECUTED = "executed {} this: an ISO 8601 date (a whole IST day) or date-time (naive: IST)"


@app.post(
    "/v1/executions",
    tags=["trades"],
    responses={201: {"description": "Created", "content": {"application/json": {"model": ExecutionOut}}}},
)
def post_execution(request: Annotated[ExecutionIn, Body()]) -> Response[Any]:
    created = record_manual_execution(get_database(), get_redis(), current_principal(app).user_id, request)
    return Response(
        status_code=201,
        content_type=content_types.APPLICATION_JSON,
        body=created.model_dump(mode="json", by_alias=True),
    )


@app.get("/v1/executions", tags=["trades"])
def get_executions(
    symbol: Text = None,
    accountId: Text = None,  # noqa: N803 - query name
    source: Annotated[Source | None, Query()] = None,
    from_: Annotated[
        str | None, Query(alias="from", max_length=40, description=_EXECUTED.format("from"))
    ] = None,
    to: Annotated[str | None, Query(max_length=40, description=_EXECUTED.format("up to"))] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> ExecutionPage:
    query = ExecutionQuery(symbol=symbol, account_id=accountId, source=source, start=from_, end=to)
    return list_executions(get_database(), current_principal(app).user_id, query, limit=limit, cursor=cursor)


@app.delete("/v1/executions/<executionId>", tags=["trades"], responses={204: {"description": "Deleted"}})
def delete_execution(executionId: str) -> Response[Any]:  # noqa: N803 - path name
    delete_manual_execution(get_database(), get_redis(), current_principal(app).user_id, executionId)
    return Response(status_code=204)


lambda_handler = rest_handler(app)
