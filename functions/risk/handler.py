"""/v1/risk/...: risk limits of the user and of each account (set and read), and the violations the
risk monitor recorded (tradetrack.risk; docs/risk.md). One greedy API resource, this resolver
routes and documents each path."""

from __future__ import annotations

from typing import Annotated, Any

from tradetrack.account_owners import owner_check
from tradetrack.cache.client import get_redis
from tradetrack.db.client import get_database
from tradetrack.models.errors import error_responses
from tradetrack.pagination import DEFAULT_LIMIT, MAX_LIMIT
from tradetrack.rest import current_principal, error_response, make_rest_resolver, rest_handler
from tradetrack.risk import service
from tradetrack.risk.models import AccountLimitsOut, LimitsIn, LimitsOut, ViolationPage

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel

app = make_rest_resolver()


def _ok(model: type[BaseModel], *errors: int) -> dict[int, Any]:
    return {
        200: {"description": "OK", "content": {"application/json": {"model": model}}},
        **error_responses(*errors),
    }


@app.get("/v1/risk/limits", tags=["risk"], summary="Your limits (every account's unless it sets its own)")
def get_limits() -> LimitsOut:
    return service.get_user_limits(get_database(), current_principal(app).user_id)


@app.put("/v1/risk/limits", tags=["risk"], summary="Set your limits", responses=_ok(LimitsOut, 422))
def put_limits(request: Annotated[LimitsIn, Body()]) -> LimitsOut:
    return service.set_user_limits(get_database(), get_redis(), current_principal(app).user_id, request)


@app.get("/v1/risk/accounts/<accountId>/limits", tags=["risk"], responses=_ok(AccountLimitsOut, 404))
def get_account_limits(accountId: str) -> AccountLimitsOut:  # noqa: N803 - path name
    db = get_database()
    return service.get_account_limits(db, current_principal(app).user_id, accountId, owner_check(db))


@app.put(
    "/v1/risk/accounts/<accountId>/limits",
    tags=["risk"],
    summary="Set an account's limits (each field set overrides yours)",
    responses=_ok(AccountLimitsOut, 404, 422),
)
def put_account_limits(
    accountId: str,  # noqa: N803 - path name
    request: Annotated[LimitsIn, Body()],
) -> AccountLimitsOut:
    db = get_database()
    user_id = current_principal(app).user_id
    return service.set_account_limits(db, get_redis(), user_id, accountId, request, owner_check(db))


@app.get("/v1/risk/violations", tags=["risk"], summary="Violations, newest first")
def list_violations(
    accountId: Annotated[str | None, Query(max_length=64)] = None,  # noqa: N803 - the API's name
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> ViolationPage:
    user_id = current_principal(app).user_id
    return service.list_violations(get_database(), user_id, account_id=accountId, limit=limit, cursor=cursor)


@app.put("/v1/risk/violations", include_in_schema=False)
def put_violations() -> Response[str]:
    """The greedy resource takes PUT for every path: this GET-only one answers as API Gateway's
    fallback does for an undeclared method (docs/openapi.md)."""
    message = "PUT is not allowed on /v1/risk/violations: use GET"
    return error_response(405, "METHOD_NOT_ALLOWED", message, headers={"Allow": "GET"})


lambda_handler = rest_handler(app)
