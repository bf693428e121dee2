"""GET/PATCH /v1/me and the admin routes under /v1/admin/users."""

from __future__ import annotations

from typing import Annotated, Any

from tradetrack.cache.client import get_redis
from tradetrack.db.client import get_database
from tradetrack.models.users import PatchMeRequest, RoleChange, UserOut, UserPage
from tradetrack.pagination import DEFAULT_LIMIT, MAX_LIMIT
from tradetrack.rest import current_principal, make_rest_resolver, require_admin, rest_handler
from tradetrack.users import admin_delete_user, admin_list_users, change_role, get_me, patch_me

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

app = make_rest_resolver()


@app.get("/v1/me", tags=["user"])
def read_me() -> UserOut:
    return get_me(get_database(), current_principal(app).user_id)


@app.patch("/v1/me", tags=["user"])
def update_me(request: Annotated[PatchMeRequest, Body()]) -> UserOut:
    return patch_me(get_database(), current_principal(app).user_id, request)


@app.get("/v1/admin/users", tags=["admin"])
def list_users(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> UserPage:
    require_admin(app)
    return admin_list_users(get_database(), limit=limit, cursor=cursor)


@app.patch("/v1/admin/users/<userId>", tags=["admin"])
def set_role(userId: str, request: Annotated[RoleChange, Body()]) -> UserOut:  # noqa: N803 - path name
    admin = require_admin(app)
    return change_role(get_database(), get_redis(), admin.user_id, userId, request.role)


@app.delete("/v1/admin/users/<userId>", tags=["admin"], responses={204: {"description": "Deleted"}})
def delete_user(userId: str) -> Response[Any]:  # noqa: N803 - path name
    admin = require_admin(app)
    admin_delete_user(get_database(), get_redis(), admin.user_id, userId)
    return Response(status_code=204)


lambda_handler = rest_handler(app)
