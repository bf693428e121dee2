"""WebSocket API routes $connect, $disconnect and $default (API.md, "WebSocket")."""

from __future__ import annotations

from typing import Any

from tradetrack.cache.client import get_redis
from tradetrack.config import get_settings
from tradetrack.observability import logger, metrics, tracer
from tradetrack.websocket import actions
from tradetrack.websocket.push import management_endpoint, post_to_connection

from aws_lambda_powertools.utilities.typing import LambdaContext

OK = {"statusCode": 200, "body": ""}


def on_connect(context: dict[str, Any]) -> dict[str, Any]:
    # The authorizer puts the caller in context.authorizer; without one the connection is refused.
    user_id = (context.get("authorizer") or {}).get("userId")
    if not user_id:
        logger.warning("connect without an authorized user refused")
        return {"statusCode": 401, "body": "Unauthorized"}
    actions.connect(
        get_redis(), context["connectionId"], str(user_id), ttl_s=get_settings().ws_connection_ttl_s
    )
    return OK


def on_message(context: dict[str, Any], body: str | None) -> dict[str, Any]:
    endpoint = management_endpoint(context)
    connection_id = context["connectionId"]
    reply = actions.answer(get_redis(), connection_id, body, ttl_s=get_settings().ws_connection_ttl_s)
    if reply["type"] == "error":
        logger.info("bad frame", extra={"code": reply["code"]})
    if not post_to_connection(endpoint, connection_id, reply):
        actions.disconnect(get_redis(), connection_id)
    return OK


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId", clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = event["requestContext"]
    route = request.get("routeKey")
    logger.append_keys(connectionId=request.get("connectionId"), routeKey=route)
    if route == "$connect":
        return on_connect(request)
    if route == "$disconnect":
        actions.disconnect(get_redis(), request["connectionId"])
        return OK
    return on_message(request, event.get("body"))
