"""Corporate actions: the platform table (admins) and each user's view, additions and disablings."""

from __future__ import annotations

from typing import Annotated, Any

from tradetrack.cache.client import get_redis
from tradetrack.corporate.admin import (
    create_platform_action,
    delete_platform_action,
    import_nse_actions,
    list_platform_actions,
)
from tradetrack.corporate.api_models import (
    CorporateActionIn,
    CorporateActionOut,
    CorporateActionPage,
    NseImportReport,
    NseImportRequest,
    UserCorporateActions,
)
from tradetrack.corporate.user import (
    create_user_action,
    delete_user_action,
    disable_platform_action,
    list_user_actions,
)
from tradetrack.db.client import get_database
from tradetrack.models.executions import Isin, Symbol
from tradetrack.pagination import DEFAULT_LIMIT, MAX_LIMIT
from tradetrack.rest import current_principal, make_rest_resolver, require_admin, rest_handler

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

# NSE's download for several years is a few MB of CSV (JSON-escaped here).
MAX_BODY_BYTES = 6 * 1024 * 1024
_CREATED: dict[int, OpenAPIResponse] = {
    201: {"description": "Created", "content": {"application/json": {"model": CorporateActionOut}}}
}

app = make_rest_resolver()


def _created(action: CorporateActionOut) -> Response[Any]:
    body = action.model_dump(mode="json", by_alias=True)
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=body)


@app.post("/v1/admin/corporate-actions", tags=["admin"], responses=_CREATED)
def post_platform_action(request: Annotated[CorporateActionIn, Body()]) -> Response[Any]:
    admin = require_admin(app)
    return _created(create_platform_action(get_database(), get_redis(), admin.user_id, request))


@app.get("/v1/admin/corporate-actions", tags=["admin"])
def get_platform_actions(
    symbol: Annotated[Symbol | None, Query(max_length=40)] = None,
    isin: Annotated[Isin, Query()] = None,  # Isin bounds the length; ?isin= is None, no max_length on it
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> CorporateActionPage:
    require_admin(app)
    return list_platform_actions(get_database(), symbol=symbol, isin=isin, limit=limit, cursor=cursor)


@app.delete(
    "/v1/admin/corporate-actions/<actionId>", tags=["admin"], responses={204: {"description": "Deleted"}}
)
def remove_platform_action(actionId: str) -> Response[Any]:  # noqa: N803 - path name
    admin = require_admin(app)
    delete_platform_action(get_database(), get_redis(), admin.user_id, actionId)
    return Response(status_code=204)


@app.post("/v1/admin/corporate-actions/import", tags=["admin"])
def post_nse_import(request: Annotated[NseImportRequest, Body()]) -> NseImportReport:
    admin = require_admin(app)
    return import_nse_actions(get_database(), get_redis(), admin.user_id, request)


@app.get("/v1/corporate-actions", tags=["trades"])
def get_user_actions() -> UserCorporateActions:
    return list_user_actions(get_database(), current_principal(app).user_id)


@app.post("/v1/corporate-actions", tags=["trades"], responses=_CREATED)
def post_user_action(request: Annotated[CorporateActionIn, Body()]) -> Response[Any]:
    user_id = current_principal(app).user_id
    return _created(create_user_action(get_database(), get_redis(), user_id, request))


@app.delete("/v1/corporate-actions/<actionId>", tags=["trades"], responses={204: {"description": "Deleted"}})
def remove_user_action(actionId: str) -> Response[Any]:  # noqa: N803 - path name
    delete_user_action(get_database(), get_redis(), current_principal(app).user_id, actionId)
    return Response(status_code=204)


@app.post("/v1/corporate-actions/<actionId>/disable", tags=["trades"])
def post_disable(actionId: str) -> CorporateActionOut:  # noqa: N803 - path name
    return disable_platform_action(get_database(), get_redis(), current_principal(app).user_id, actionId)


lambda_handler = rest_handler(app, max_body_bytes=MAX_BODY_BYTES)
