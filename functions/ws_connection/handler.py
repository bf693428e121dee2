"""WebSocket API routes $connect, $disconnect and $default (API.md, "WebSocket")."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from tradetrack.cache.client import get_redis
from tradetrack.config import get_settings
from tradetrack.observability import logger, metrics, tracer
from tradetrack.websocket.connections import forget_connection, register_connection
from tradetrack.websocket.frames import FrameError, parse_frame
from tradetrack.websocket.push import management_endpoint, post_to_connection

OK = {"statusCode": 200, "body": ""}


def on_connect(context: dict[str, Any]) -> dict[str, Any]:
    # The authorizer puts the caller in context.authorizer; without one the connection is refused.
    user_id = (context.get("authorizer") or {}).get("userId")
    if not user_id:
        logger.warning("connect without an authorized user refused")
        return {"statusCode": 401, "body": "Unauthorized"}
    register_connection(
        get_redis(), context["connectionId"], user_id=str(user_id), ttl_s=get_settings().ws_connection_ttl_s
    )
    return OK


def on_message(context: dict[str, Any], body: str | None) -> dict[str, Any]:
    endpoint = management_endpoint(context)
    connection_id = context["connectionId"]
    try:
        parse_frame(body)  # a PingFrame: the only action until market subscriptions exist
        reply = {"type": "pong"}
    except FrameError as exc:
        logger.info("bad frame", extra={"code": exc.code})
        reply = exc.to_message()
    if not post_to_connection(endpoint, connection_id, reply):
        forget_connection(get_redis(), connection_id)
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
        forget_connection(get_redis(), request["connectionId"])
        return OK
    return on_message(request, event.get("body"))
