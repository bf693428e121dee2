"""POST /v1/auth/register | login | refresh | logout | logout-all | change-password (API.md, "Auth and
user"; docs/security.md)."""

from __future__ import annotations

from typing import Annotated, Any

from tradetrack.auth import service
from tradetrack.auth.key_store import signing_keys
from tradetrack.cache.client import get_redis
from tradetrack.config import get_settings
from tradetrack.db.client import get_database
from tradetrack.models.security import ChangePasswordRequest
from tradetrack.models.users import LoginRequest, RefreshRequest, RegisterRequest, TokenPair, UserOut
from tradetrack.rest import current_principal, make_rest_resolver, rest_handler

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body

app = make_rest_resolver()


def _caller() -> service.Caller:
    identity = app.current_event.request_context.identity
    return service.Caller(ip=identity.source_ip, user_agent=identity.user_agent)


def _json(status: int, body: dict[str, Any] | None = None) -> Response[Any]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


@app.post(
    "/v1/auth/register",
    tags=["auth"],
    responses={201: {"description": "Created", "content": {"application/json": {"model": UserOut}}}},
)
def post_register(request: Annotated[RegisterRequest, Body()]) -> Response[Any]:
    user = service.register(get_database(), request, bcrypt_cost=get_settings().bcrypt_cost)
    return _json(201, user.model_dump(by_alias=True))


@app.post("/v1/auth/login", tags=["auth"])
def post_login(request: Annotated[LoginRequest, Body()]) -> TokenPair:
    return service.login(
        get_database(),
        get_redis(),
        request,
        _caller(),
        keyset=signing_keys(),
        bcrypt_cost=get_settings().bcrypt_cost,
    )


@app.post("/v1/auth/refresh", tags=["auth"])
def post_refresh(request: Annotated[RefreshRequest, Body()]) -> TokenPair:
    return service.refresh(
        get_database(), get_redis(), request.refresh_token, _caller(), keyset=signing_keys()
    )


@app.post("/v1/auth/logout", tags=["auth"], responses={204: {"description": "Logged out"}})
def post_logout(request: Annotated[RefreshRequest, Body()]) -> Response[Any]:
    service.logout(get_database(), get_redis(), request.refresh_token, _caller())
    return Response(status_code=204)


@app.post("/v1/auth/logout-all", tags=["auth"], responses={204: {"description": "Every session ended"}})
def post_logout_all() -> Response[Any]:
    service.logout_all(get_database(), get_redis(), current_principal(app).user_id, _caller())
    return Response(status_code=204)


@app.post(
    "/v1/auth/change-password",
    tags=["auth"],
    responses={204: {"description": "Changed; every session ended (log in again)"}},
)
def post_change_password(request: Annotated[ChangePasswordRequest, Body()]) -> Response[Any]:
    service.change_password(
        get_database(),
        get_redis(),
        current_principal(app).user_id,
        request,
        _caller(),
        bcrypt_cost=get_settings().bcrypt_cost,
    )
    return Response(status_code=204)


lambda_handler = rest_handler(app)
