"""GET /v1/admin/audit (administrators: the whole audit log) and GET /v1/me/security-events (a user's
own security events): keyset pages, newest first (docs/security.md)."""

from __future__ import annotations

from typing import Annotated

from tradetrack.auth.audit_log import admin_audit, security_events
from tradetrack.db.client import get_database
from tradetrack.models.security import AuditPage
from tradetrack.pagination import DEFAULT_LIMIT, MAX_LIMIT
from tradetrack.rest import current_principal, make_rest_resolver, require_admin, rest_handler

from aws_lambda_powertools.event_handler.openapi.params import Query

app = make_rest_resolver()

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=512)]
_BOUND = "entries recorded {} this: an ISO 8601 date (a whole IST day) or date-time (naive: IST)"
From = Annotated[str | None, Query(alias="from", max_length=40, description=_BOUND.format("from"))]
To = Annotated[str | None, Query(alias="to", max_length=40, description=_BOUND.format("up to"))]


@app.get("/v1/admin/audit", tags=["admin"], summary="Audit log (administrators)")
def get_audit(
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    userId: Annotated[str | None, Query(max_length=64)] = None,  # noqa: N803 - the API's name
    event: Annotated[str | None, Query(pattern=r"^[a-z_]{1,64}$")] = None,
    since: From = None,
    until: To = None,
) -> AuditPage:
    require_admin(app)
    return admin_audit(
        get_database(), limit=limit, cursor=cursor, user_id=userId, event=event, start=since, end=until
    )


@app.get("/v1/me/security-events", tags=["user"], summary="My security events")
def get_security_events(
    limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None, since: From = None, until: To = None
) -> AuditPage:
    user_id = current_principal(app).user_id
    return security_events(get_database(), user_id, limit=limit, cursor=cursor, start=since, end=until)


lambda_handler = rest_handler(app)
