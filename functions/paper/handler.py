"""/v1/paper/...: paper accounts (open, reset, close, balance), orders (place, list, cancel,
history) and the portfolio (tradetrack.paper; docs/paper.md)."""

from __future__ import annotations

from typing import Annotated, Any

from tradetrack.cache.client import get_redis
from tradetrack.config import get_settings
from tradetrack.db.client import get_database
from tradetrack.errors import Conflict, SemanticError
from tradetrack.idempotency import Idempotency
from tradetrack.models.errors import error_responses
from tradetrack.paper import accounts, orders, placement
from tradetrack.paper.events import Events
from tradetrack.paper.models import (
    AccountIn,
    AccountList,
    AccountOut,
    OrderIn,
    OrderList,
    OrderOut,
    OrderState,
    Portfolio,
)
from tradetrack.paper.notices import queue_sink
from tradetrack.rest import current_principal, make_rest_resolver, rest_handler

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Query
from pydantic import BaseModel

app = make_rest_resolver()
IDEMPOTENCY_TTL_S = 86_400  # a placement retried within a day answers with the same order
_KEY = (
    "the placement's idempotency key: a retry with the same key and body answers with the order first "
    "placed; the same key with another body is 422 (issue idempotency_key_reused)"
)


def _ok(model: type[BaseModel], *errors: int) -> dict[int, Any]:
    """`responses=`: 200 with `model`, and the errors the route answers beyond the shared ones."""
    return {
        200: {"description": "OK", "content": {"application/json": {"model": model}}},
        **error_responses(*errors),
    }


def _events(db: Any) -> Events:
    """The events of this request, sent to the notifications queue when it is done."""
    return Events(queue_sink(db, get_settings().notifications_queue_url))


def _created(body: dict[str, Any]) -> Response[Any]:
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=body)


@app.post(
    "/v1/paper/accounts",
    tags=["paper"],
    responses={
        201: {"description": "Created", "content": {"application/json": {"model": AccountOut}}},
        **error_responses(422),
    },
)
def open_account(request: Annotated[AccountIn, Body()]) -> Response[Any]:
    created = accounts.open_account(get_database(), current_principal(app).user_id, request)
    return _created(created.model_dump(mode="json", by_alias=True))


@app.get("/v1/paper/accounts", tags=["paper"])
def list_accounts() -> AccountList:
    return AccountList(items=accounts.list_accounts(get_database(), current_principal(app).user_id))


@app.get("/v1/paper/accounts/<accountId>", tags=["paper"], responses=_ok(AccountOut, 404))
def get_account(accountId: str) -> AccountOut:  # noqa: N803 - path name
    return accounts.get_account(get_database(), current_principal(app).user_id, accountId)


@app.post("/v1/paper/accounts/<accountId>/reset", tags=["paper"], responses=_ok(AccountOut, 404, 409))
def reset_account(accountId: str) -> AccountOut:  # noqa: N803 - path name
    return accounts.reset_account(get_database(), get_redis(), current_principal(app).user_id, accountId)


@app.post("/v1/paper/accounts/<accountId>/close", tags=["paper"], responses=_ok(AccountOut, 404, 409))
def close_account(accountId: str) -> AccountOut:  # noqa: N803 - path name
    return accounts.close_account(get_database(), get_redis(), current_principal(app).user_id, accountId)


@app.get("/v1/paper/accounts/<accountId>/portfolio", tags=["paper"], responses=_ok(Portfolio, 404))
def portfolio(accountId: str) -> Portfolio:  # noqa: N803 - path name
    return accounts.portfolio(get_database(), get_redis(), current_principal(app).user_id, accountId)


@app.post(
    "/v1/paper/accounts/<accountId>/orders",
    tags=["paper"],
    responses={
        201: {"description": "Placed", "content": {"application/json": {"model": OrderOut}}},
        **error_responses(404, 409, 422),
    },
)
def place_order(
    accountId: str,  # noqa: N803 - path name
    request: Annotated[OrderIn, Body()],
    idempotency_key: Annotated[str, Header(min_length=1, max_length=128, description=_KEY)],
) -> Response[Any]:
    user_id = current_principal(app).user_id
    db, cache = get_database(), get_redis()
    events = _events(db)

    def place() -> dict[str, Any]:
        placed = placement.place_order(db, cache, user_id, accountId, request, events=events)
        return placed.model_dump(mode="json", by_alias=True)

    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    key = f"{user_id}:{accountId}:{idempotency_key}"
    body = request.model_dump(mode="json", by_alias=True)  # a repeat with another body is refused
    try:
        done = Idempotency(cache, ttl_s=IDEMPOTENCY_TTL_S, context=app.lambda_context, validate_payload=True)
        return _created(done.once("paper-order", key, place, payload=body))
    except IdempotencyAlreadyInProgressError:
        raise Conflict(
            "an order with this Idempotency-Key is being placed: retry in a moment",
            details=[{"field": "Idempotency-Key", "issue": "in_progress"}],
        ) from None
    except IdempotencyValidationError:
        raise SemanticError(
            "this Idempotency-Key was used for a different order: use a new key for a new order",
            details=[{"field": "Idempotency-Key", "issue": "idempotency_key_reused"}],
        ) from None
    finally:
        events.send()


@app.get("/v1/paper/accounts/<accountId>/orders", tags=["paper"], responses=_ok(OrderList, 404))
def list_orders(
    accountId: str,  # noqa: N803 - path name
    state: Annotated[OrderState | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> OrderList:
    found = orders.list_orders(
        get_database(), current_principal(app).user_id, accountId, limit=limit, state=state
    )
    return OrderList(items=found)


@app.get("/v1/paper/accounts/<accountId>/orders/<orderId>", tags=["paper"], responses=_ok(OrderOut, 404))
def get_order(accountId: str, orderId: str) -> OrderOut:  # noqa: N803 - path names
    return orders.get_order(get_database(), current_principal(app).user_id, accountId, orderId)


@app.post(
    "/v1/paper/accounts/<accountId>/orders/<orderId>/cancel",
    tags=["paper"],
    responses=_ok(OrderOut, 404, 409),
)
def cancel_order(accountId: str, orderId: str) -> OrderOut:  # noqa: N803 - path names
    db = get_database()
    events = _events(db)
    try:
        return orders.cancel_order(
            db, get_redis(), current_principal(app).user_id, accountId, orderId, events=events
        )
    finally:
        events.send()


lambda_handler = rest_handler(app)
