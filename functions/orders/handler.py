"""GET /v1/orders and GET /v1/holdings: the order book and holdings the broker syncs stored."""

from __future__ import annotations

from typing import Annotated

from tradetrack.accounts.orderbook import list_holdings, list_orders
from tradetrack.db.client import get_database
from tradetrack.models.orders import BrokerHoldingList, OrderPage, OrderState
from tradetrack.pagination import DEFAULT_LIMIT, MAX_LIMIT
from tradetrack.rest import current_principal, make_rest_resolver, rest_handler

from aws_lambda_powertools.event_handler.openapi.params import Query

app = make_rest_resolver()

AccountId = Annotated[
    str | None, Query(min_length=1, max_length=64, description="only this broker account's (one of yours)")
]


_STATUS = "open (open, trigger pending, modify pending ...), complete, cancelled or rejected"


@app.get("/v1/orders", tags=["brokers"])
def get_orders(
    status: Annotated[OrderState | None, Query(description=_STATUS)] = None,
    accountId: AccountId = None,  # noqa: N803 - query name
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> OrderPage:
    """Your broker orders as the syncs saw them, newest placed first."""
    user_id = current_principal(app).user_id
    db = get_database()
    return list_orders(db, user_id, state=status, account_id=accountId, limit=limit, cursor=cursor)


@app.get("/v1/holdings", tags=["brokers"])
def get_holdings(accountId: AccountId = None) -> BrokerHoldingList:  # noqa: N803 - query name
    """Your holdings at each broker account, from its latest sync."""
    return list_holdings(get_database(), current_principal(app).user_id, account_id=accountId)


lambda_handler = rest_handler(app)
