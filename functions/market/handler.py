"""GET /v1/market/status and GET /v1/market/quotes (API.md, "Market data and alerts")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from tradetrack.cache.client import get_redis
from tradetrack.market.providers.factory import get_provider
from tradetrack.market.service import quotes_for, split_symbols, status_at
from tradetrack.models.errors import error_responses
from tradetrack.models.market import MarketStatusOut
from tradetrack.rest import current_principal, make_rest_resolver, rest_handler

from aws_lambda_powertools.event_handler.openapi.params import Query

app = make_rest_resolver()


@app.get("/v1/market/status", tags=["market"])
def market_status() -> MarketStatusOut:
    current_principal(app)
    return status_at(datetime.now(UTC))


@app.get("/v1/market/quotes", tags=["market"], responses=error_responses(404))
def market_quotes(
    symbols: Annotated[
        str,
        Query(
            min_length=1,
            max_length=6500,
            description="EXCHANGE:SYMBOL,... (≤ 100); index aliases (NSE:BANKNIFTY) are quoted as "
            "their index; 404 when one is not a known instrument",
        ),
    ],
) -> dict[str, dict[str, Any]]:
    current_principal(app)
    return quotes_for(get_redis(), get_provider(), split_symbols(symbols))


lambda_handler = rest_handler(app)
