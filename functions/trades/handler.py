"""GET /v1/trades, GET/PATCH /v1/trades/{tradeId}, GET /v1/positions and GET /v1/portfolio."""

from __future__ import annotations

from typing import Annotated

from tradetrack.analytics.categories import Category
from tradetrack.cache.client import get_redis
from tradetrack.db.client import get_database
from tradetrack.journal import TradeQuery, annotate_trade, get_trade, list_trades
from tradetrack.models.trades import (
    PatchTradeRequest,
    PortfolioOut,
    PositionList,
    TradeOut,
    TradePage,
    TradeSort,
    TradeStatus,
)
from tradetrack.pagination import DEFAULT_LIMIT, MAX_LIMIT
from tradetrack.positions import list_positions, portfolio
from tradetrack.rest import current_principal, make_rest_resolver, rest_handler

from aws_lambda_powertools.event_handler.openapi.params import Body, Query

app = make_rest_resolver()

Text = Annotated[str | None, Query(max_length=64)]
_OPENED = "trades opened {} this: an ISO 8601 date (a whole IST day) or date-time (naive: IST)"
_PAPER = (
    "true: paper accounts' {} too (without it, and without an accountId, only the real accounts'; "
    "accountId=pa_… shows that paper account alone)"
)
IncludeTrades = Annotated[bool, Query(description=_PAPER.format("trades"))]
IncludePositions = Annotated[bool, Query(description=_PAPER.format("positions"))]
_SORT = (
    "order of the list, by a field, '-' first for descending; ties broken by trade id. "
    "closedAt lists closed trades only. A cursor continues the sort it was issued for."
)


@app.get("/v1/trades", tags=["trades"])
def get_trades(
    status: Annotated[TradeStatus | None, Query()] = None,
    symbol: Text = None,
    category: Annotated[Category | None, Query()] = None,
    tag: Text = None,
    accountId: Text = None,  # noqa: N803 - query name
    from_: Annotated[
        str | None, Query(alias="from", max_length=40, description=_OPENED.format("from"))
    ] = None,
    to: Annotated[str | None, Query(max_length=40, description=_OPENED.format("up to"))] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    sort: Annotated[TradeSort, Query(description=_SORT)] = "-openedAt",
    includePaper: IncludeTrades = False,  # noqa: N803 - query name
) -> TradePage:
    query = TradeQuery(
        status=status, symbol=symbol, category=category, tag=tag, account_id=accountId, start=from_, end=to,
        include_paper=includePaper,
    )  # fmt: skip
    return list_trades(
        get_database(), current_principal(app).user_id, query, limit=limit, cursor=cursor, sort=sort
    )


@app.get("/v1/trades/<tradeId>", tags=["trades"])
def read_trade(tradeId: str) -> TradeOut:  # noqa: N803 - path name
    return get_trade(get_database(), current_principal(app).user_id, tradeId)


@app.patch("/v1/trades/<tradeId>", tags=["trades"])
def patch_trade(tradeId: str, request: Annotated[PatchTradeRequest, Body()]) -> TradeOut:  # noqa: N803
    return annotate_trade(get_database(), get_redis(), current_principal(app).user_id, tradeId, request)


@app.get("/v1/positions", tags=["trades"])
def get_positions(accountId: Text = None, includePaper: IncludePositions = False) -> PositionList:  # noqa: N803
    user_id = current_principal(app).user_id
    return list_positions(
        get_database(), get_redis(), user_id, account_id=accountId, include_paper=includePaper
    )


@app.get("/v1/portfolio", tags=["trades"])
def get_portfolio(accountId: Text = None, includePaper: IncludePositions = False) -> PortfolioOut:  # noqa: N803
    user_id = current_principal(app).user_id
    return portfolio(get_database(), get_redis(), user_id, account_id=accountId, include_paper=includePaper)


lambda_handler = rest_handler(app)
