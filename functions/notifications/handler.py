"""GET /v1/notifications, POST /v1/notifications/{id}/read and the public one-click unsubscribe."""

from __future__ import annotations

from typing import Annotated, Any

from tradetrack.db.client import get_database
from tradetrack.models.notifications import NotificationPage, UnsubscribeOut
from tradetrack.notify.inbox import list_inbox, mark_read
from tradetrack.notify.unsubscribe import unsubscribe
from tradetrack.pagination import DEFAULT_LIMIT, MAX_LIMIT
from tradetrack.rest import current_principal, make_rest_resolver, rest_handler

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

app = make_rest_resolver()

Token = Annotated[str, Query(min_length=1, max_length=512, description="the token of an unsubscribe link")]


@app.get("/v1/notifications", tags=["notifications"])
def get_notifications(
    unread: Annotated[bool, Query(description="only notifications not read yet")] = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> NotificationPage:
    user_id = current_principal(app).user_id
    return list_inbox(get_database(), user_id, unread_only=unread, limit=limit, cursor=cursor)


@app.post(
    "/v1/notifications/<notificationId>/read",
    tags=["notifications"],
    responses={204: {"description": "Marked as read"}},
)
def read_notification(notificationId: str) -> Response[Any]:  # noqa: N803 - path name
    mark_read(get_database(), current_principal(app).user_id, notificationId)
    return Response(status_code=204)


@app.get("/v1/notifications/unsubscribe", tags=["notifications"])
def unsubscribe_link(token: Token) -> UnsubscribeOut:
    """The link in every email: turns that notification type off, without logging in."""
    return UnsubscribeOut(type=unsubscribe(get_database(), token))


@app.post("/v1/notifications/unsubscribe", tags=["notifications"])
def unsubscribe_one_click(token: Token) -> UnsubscribeOut:
    """RFC 8058 one-click: mail clients POST "List-Unsubscribe=One-Click" to the List-Unsubscribe URL."""
    return UnsubscribeOut(type=unsubscribe(get_database(), token))


lambda_handler = rest_handler(app)
