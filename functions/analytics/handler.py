"""GET /v1/analytics/summary, /by-category, /by-symbol, /by-weekday, /by-hour, /timeseries, /tax-pnl;
/v1/analytics/fmv: the 31 Jan 2018 FMVs grandfathering needs."""

from __future__ import annotations

from typing import Annotated, Any, get_args

from tradetrack.analytics.categories import Category
from tradetrack.analytics.fmv import FmvIn, FmvOut, delete_fmv, list_fmv, set_fmv
from tradetrack.analytics.service import AnalyticsQuery, breakdown, summary, tax_pnl, timeseries
from tradetrack.cache.client import get_redis
from tradetrack.db.client import get_database
from tradetrack.models.analytics import BreakdownOut, GroupBy, Interval, SummaryOut, TaxPnlOut, TimeseriesOut
from tradetrack.rest import current_principal, make_rest_resolver, rest_handler

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

app = make_rest_resolver()

Text = Annotated[str | None, Query(max_length=64)]
_CLOSED = "trades closed {} this: an ISO 8601 date (a whole IST day) or date-time (naive: IST)"
From = Annotated[str | None, Query(alias="from", max_length=40, description=_CLOSED.format("from"))]
To = Annotated[str | None, Query(max_length=40, description=_CLOSED.format("up to"))]
CategoryQ = Annotated[Category | None, Query()]
IncludePaper = Annotated[
    bool,
    Query(
        description="true: paper accounts' trades too (without it, and without an accountId, only the "
        "real accounts'; accountId=pa_… is that paper account alone)"
    ),
]


def _query(
    account_id: str | None,
    category: str | None,
    symbol: str | None,
    start: str | None,
    end: str | None,
    include_paper: bool = False,
) -> AnalyticsQuery:
    return AnalyticsQuery(
        account_id=account_id,
        category=category,
        symbol=symbol,
        start=start,
        end=end,
        include_paper=include_paper,
    )


@app.get("/v1/analytics/summary", tags=["analytics"])
def get_summary(
    accountId: Text = None,  # noqa: N803 - query name
    category: CategoryQ = None,
    symbol: Text = None,
    from_: From = None,
    to: To = None,
    includePaper: IncludePaper = False,  # noqa: N803 - query name
) -> SummaryOut:
    query = _query(accountId, category, symbol, from_, to, includePaper)
    return summary(get_database(), get_redis(), current_principal(app).user_id, query)


def _breakdown_route(dimension: GroupBy) -> None:
    @app.get(f"/v1/analytics/by-{dimension}", tags=["analytics"], operation_id=f"analytics_by_{dimension}")
    def by_dimension(
        accountId: Text = None,  # noqa: N803 - query name
        category: CategoryQ = None,
        symbol: Text = None,
        from_: From = None,
        to: To = None,
        includePaper: IncludePaper = False,  # noqa: N803 - query name
    ) -> BreakdownOut:
        query = _query(accountId, category, symbol, from_, to, includePaper)
        return breakdown(get_database(), get_redis(), current_principal(app).user_id, query, dimension)


for _dimension in get_args(GroupBy):
    _breakdown_route(_dimension)


@app.get("/v1/analytics/timeseries", tags=["analytics"])
def get_timeseries(
    interval: Annotated[Interval, Query()] = "day",
    accountId: Text = None,  # noqa: N803 - query name
    category: CategoryQ = None,
    symbol: Text = None,
    from_: From = None,
    to: To = None,
    includePaper: IncludePaper = False,  # noqa: N803 - query name
) -> TimeseriesOut:
    query = _query(accountId, category, symbol, from_, to, includePaper)
    return timeseries(get_database(), get_redis(), current_principal(app).user_id, query, interval)


@app.get("/v1/analytics/tax-pnl", tags=["analytics"])
def get_tax_pnl(
    fy: Annotated[
        str | None, Query(max_length=7, description="financial year, e.g. 2025-26 (default: current)")
    ] = None,
    accountId: Text = None,  # noqa: N803 - query name
    category: CategoryQ = None,
    symbol: Text = None,
    from_: From = None,
    to: To = None,
) -> TaxPnlOut:
    query = _query(accountId, category, symbol, from_, to)
    return tax_pnl(get_database(), get_redis(), current_principal(app).user_id, query, fy)


@app.put("/v1/analytics/fmv/<isin>", tags=["analytics"])
def put_fmv(isin: Annotated[str, Path(max_length=16)], request: Annotated[FmvIn, Body()]) -> FmvOut:
    return set_fmv(get_database(), current_principal(app).user_id, isin, request)


@app.get("/v1/analytics/fmv", tags=["analytics"])
def get_fmv() -> list[FmvOut]:
    return list_fmv(get_database(), current_principal(app).user_id)


@app.delete("/v1/analytics/fmv/<isin>", tags=["analytics"], responses={204: {"description": "Deleted"}})
def remove_fmv(isin: Annotated[str, Path(max_length=16)]) -> Response[Any]:
    delete_fmv(get_database(), current_principal(app).user_id, isin)
    return Response(status_code=204)


lambda_handler = rest_handler(app)
