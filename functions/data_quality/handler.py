"""What the journal cannot compute without the user, and the user's answers to it.

GET /v1/data-quality: unmatched exits, orphaned annotations and expired contracts, with how to
resolve each. /v1/settlements: the underlyings' settlement prices that close expired contracts.
"""

from __future__ import annotations

from typing import Annotated, Any

from tradetrack.cache.client import get_redis
from tradetrack.db.client import get_database
from tradetrack.expiries.models import SettlementIn, SettlementOut, SettlementPage
from tradetrack.expiries.service import delete_settlement, list_settlements, set_settlement, settlement_key
from tradetrack.models.trades import TradeOut
from tradetrack.orphans import attach_orphan, discard_orphan
from tradetrack.pagination import DEFAULT_LIMIT, MAX_LIMIT
from tradetrack.quality.models import AttachOrphanRequest, DataQualityReport
from tradetrack.quality.service import data_quality
from tradetrack.rest import current_principal, make_rest_resolver, rest_handler

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

app = make_rest_resolver()


@app.get("/v1/data-quality", tags=["trades"])
def get_data_quality() -> DataQualityReport:
    return data_quality(get_database(), current_principal(app).user_id)


@app.put("/v1/settlements", tags=["trades"])
def put_settlement(request: Annotated[SettlementIn, Body()]) -> SettlementOut:
    return set_settlement(get_database(), get_redis(), current_principal(app).user_id, request)


@app.get("/v1/settlements", tags=["trades"])
def get_settlements(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> SettlementPage:
    return list_settlements(get_database(), current_principal(app).user_id, limit=limit, cursor=cursor)


@app.delete(
    "/v1/settlements/<exchange>/<underlying>/<expiry>",
    tags=["trades"],
    responses={204: {"description": "Deleted: the positions it closed are open again"}},
)
def remove_settlement(
    exchange: Annotated[str, Path(description="NFO, BFO, CDS or BCD")],
    underlying: Annotated[str, Path(description="e.g. NIFTY; M&M percent-encoded as M%26M; any case")],
    expiry: Annotated[str, Path(description="The expiry day, YYYY-MM-DD")],
) -> Response[Any]:
    user_id = current_principal(app).user_id
    delete_settlement(get_database(), get_redis(), user_id, settlement_key(exchange, underlying, expiry))
    return Response(status_code=204)


@app.post("/v1/data-quality/orphans/<anchor>/attach", tags=["trades"])
def post_attach_orphan(
    anchor: Annotated[str, Path(max_length=80, description="the orphan's anchor (GET /v1/data-quality)")],
    request: Annotated[AttachOrphanRequest, Body()],
) -> TradeOut:
    user_id = current_principal(app).user_id
    return attach_orphan(get_database(), get_redis(), user_id, anchor, request.trade_id)


@app.delete(
    "/v1/data-quality/orphans/<anchor>",
    tags=["trades"],
    responses={204: {"description": "Discarded: the annotation is gone"}},
)
def delete_orphan(anchor: Annotated[str, Path(max_length=80)]) -> Response[Any]:
    discard_orphan(get_database(), get_redis(), current_principal(app).user_id, anchor)
    return Response(status_code=204)


lambda_handler = rest_handler(app)
