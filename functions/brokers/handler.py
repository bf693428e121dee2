"""GET /v1/brokers and /v1/broker-accounts: connect (OAuth), callback, list, disconnect, sync, logs."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from tradetrack.accounts import oauth, service
from tradetrack.aws import aws_client
from tradetrack.brokers.registry import is_broker
from tradetrack.cache.client import get_redis
from tradetrack.config import get_settings
from tradetrack.db.client import get_database
from tradetrack.errors import AppError, NotFound
from tradetrack.models.brokers import (
    BrokerAccountList,
    BrokerAccountOut,
    BrokerList,
    ConnectRequest,
    FinishLoginRequest,
    SyncAccepted,
    SyncLogPage,
)
from tradetrack.pagination import DEFAULT_LIMIT, MAX_LIMIT
from tradetrack.rest import current_principal, make_rest_resolver, rest_handler

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

app = make_rest_resolver()


def _to_app(app_url: str, query: dict[str, str]) -> Response[Any]:
    """302 to the web app's Brokers page, which reads the outcome from the query."""
    target = f"{app_url.rstrip('/')}/brokers?{urlencode(query)}"
    return Response(status_code=302, headers={"Location": target}, body="")


def _json(status: int, model: Any) -> Response[Any]:
    body = model.model_dump(mode="json", by_alias=True)
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


@app.get("/v1/brokers", tags=["brokers"])
def get_brokers() -> BrokerList:
    """The brokers you can connect here: those whose app this deployment is configured with."""
    return service.list_brokers()


@app.post(
    "/v1/broker-accounts",
    tags=["brokers"],
    responses={
        200: {"description": "Login finished with `params` (a broker whose login sends no state back)"},
        201: {"description": "Login started"},
        409: {"description": "The broker is not configured on this server (not in GET /v1/brokers)"},
    },
)
def post_account(request: Annotated[ConnectRequest | FinishLoginRequest, Body()]) -> Response[Any]:
    service.require_offered(request.broker)
    user_id = current_principal(app).user_id
    if isinstance(request, FinishLoginRequest):
        settings = get_settings()
        connected = oauth.complete_session(
            get_database(),
            aws_client("kms"),
            aws_client("sqs"),
            user_id,
            request,
            key_id=settings.broker_token_key_id,
            sync_queue_url=settings.sync_queue_url,
            now=service.utc_now(),
        )
        return _json(200, connected)
    started = oauth.connect(get_database(), get_redis(), user_id, request, now=service.utc_now())
    return _json(201, started)


@app.get("/v1/broker-accounts", tags=["brokers"])
def get_accounts() -> BrokerAccountList:
    return service.list_accounts(get_database(), current_principal(app).user_id)


@app.get(
    "/v1/broker-accounts/callback/<broker>",
    tags=["brokers"],
    responses={
        302: {
            "description": "To the app (APP_URL set): /brokers?accountId=&status=, or ?error=&message= "
            "when the login did not complete (4xx)"
        }
    },
)
def callback(broker: str) -> Response[Any]:
    """Where the broker's login page sends the browser back (Kite: request_token; Upstox: code)."""
    if not is_broker(broker):
        raise NotFound(f"no broker named {broker}")
    settings = get_settings()
    params = {k: v for k, v in (app.current_event.query_string_parameters or {}).items() if v is not None}
    if settings.app_url and oauth.finished_by_owner(broker, params):
        # No state to bind it (Breeze): the app, signed in, sends these back as `params`.
        return _to_app(settings.app_url, {**params, "broker": broker, "finish": "params"})
    try:
        account: BrokerAccountOut = oauth.complete_login(
            get_database(),
            get_redis(),
            aws_client("kms"),
            aws_client("sqs"),
            broker,
            params,
            key_id=settings.broker_token_key_id,
            sync_queue_url=settings.sync_queue_url,
            now=service.utc_now(),
        )
    except AppError as exc:
        # A login that did not complete (link expired or spent, broker refused) is the user's to
        # see in the app, not as JSON in the login window; a 5xx stays the API's.
        if not settings.app_url or exc.status >= 500:
            raise
        return _to_app(settings.app_url, {"error": exc.code, "message": exc.message[:300]})
    if settings.app_url:
        return _to_app(settings.app_url, {"accountId": account.account_id, "status": account.status})
    return _json(200, account)


@app.delete("/v1/broker-accounts/<accountId>", tags=["brokers"], responses={204: {"description": "Removed"}})
def delete_account(accountId: str) -> Response[Any]:  # noqa: N803 - path name
    service.disconnect(
        get_database(), get_redis(), aws_client("kms"), current_principal(app).user_id, accountId
    )
    return Response(status_code=204)


@app.post(
    "/v1/broker-accounts/<accountId>/sync", tags=["brokers"], responses={202: {"description": "Queued"}}
)
def post_sync(accountId: str) -> Response[Any]:  # noqa: N803 - path name
    accepted: SyncAccepted = service.request_sync(
        get_database(),
        get_redis(),
        aws_client("sqs"),
        current_principal(app).user_id,
        accountId,
        queue_url=get_settings().sync_queue_url,
        now=service.utc_now(),
    )
    return _json(202, accepted)


@app.get("/v1/broker-accounts/<accountId>/sync-logs", tags=["brokers"])
def get_sync_logs(
    accountId: str,  # noqa: N803 - path name
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> SyncLogPage:
    user_id = current_principal(app).user_id
    return service.list_sync_logs(get_database(), user_id, accountId, limit=limit, cursor=cursor)


lambda_handler = rest_handler(app)
