"""/v1/opening-lots: holdings bought before the journal starts, by hand or from a holdings file."""

from __future__ import annotations

from typing import Annotated, Any

from tradetrack.cache.client import get_redis
from tradetrack.db.client import get_database
from tradetrack.openings.holdings_import import import_holdings
from tradetrack.openings.models import (
    HoldingsImportReport,
    HoldingsImportRequest,
    OpeningLotIn,
    OpeningLotOut,
    OpeningLotPage,
    OpeningLotPatch,
)
from tradetrack.openings.service import create_lot, delete_lot, edit_lot, list_lots
from tradetrack.pagination import DEFAULT_LIMIT, MAX_LIMIT
from tradetrack.rest import current_principal, make_rest_resolver, rest_handler

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

# A holdings file may be 5 MB, more as base64 (4/3) or JSON-escaped CSV: Lambda's own 6 MB
# invocation payload limit is the ceiling in front of this one.
MAX_BODY_BYTES = 6 * 1024 * 1024

app = make_rest_resolver()

Text = Annotated[str | None, Query(max_length=64)]


@app.post(
    "/v1/opening-lots",
    tags=["opening lots"],
    responses={201: {"description": "Created", "content": {"application/json": {"model": OpeningLotOut}}}},
)
def post_lot(request: Annotated[OpeningLotIn, Body()]) -> Response[Any]:
    created = create_lot(get_database(), get_redis(), current_principal(app).user_id, request)
    return Response(
        status_code=201,
        content_type=content_types.APPLICATION_JSON,
        body=created.model_dump(mode="json", by_alias=True),
    )


@app.get("/v1/opening-lots", tags=["opening lots"])
def get_lots(
    symbol: Text = None,
    accountId: Text = None,  # noqa: N803 - query name
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> OpeningLotPage:
    return list_lots(
        get_database(),
        current_principal(app).user_id,
        account_id=accountId,
        symbol=symbol,
        limit=limit,
        cursor=cursor,
    )


@app.patch("/v1/opening-lots/<lotId>", tags=["opening lots"])
def patch_lot(lotId: str, request: Annotated[OpeningLotPatch, Body()]) -> OpeningLotOut:  # noqa: N803
    return edit_lot(get_database(), get_redis(), current_principal(app).user_id, lotId, request)


@app.delete("/v1/opening-lots/<lotId>", tags=["opening lots"], responses={204: {"description": "Deleted"}})
def remove_lot(lotId: str) -> Response[Any]:  # noqa: N803 - path name
    delete_lot(get_database(), get_redis(), current_principal(app).user_id, lotId)
    return Response(status_code=204)


@app.post("/v1/opening-lots/import", tags=["opening lots"])
def post_import(request: Annotated[HoldingsImportRequest, Body()]) -> HoldingsImportReport:
    return import_holdings(get_database(), get_redis(), current_principal(app).user_id, request)


lambda_handler = rest_handler(app, max_body_bytes=MAX_BODY_BYTES)
