"""POST /v1/me/phone (send a code by SMS) and POST /v1/me/phone/verify (docs/notifications.md)."""

from __future__ import annotations

from typing import Annotated, Any

from tradetrack.aws import aws_client
from tradetrack.cache.client import get_redis
from tradetrack.config import get_settings
from tradetrack.db.client import get_database
from tradetrack.phone.models import CodeSent, PhoneOut, PhoneRequest, VerifyRequest
from tradetrack.phone.service import send_code, verify_code
from tradetrack.rest import current_principal, make_rest_resolver, rest_handler

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body

app = make_rest_resolver()


@app.post(
    "/v1/me/phone",
    tags=["user"],
    summary="Send a verification code to a phone number",
    responses={202: {"description": "Code sent", "content": {"application/json": {"model": CodeSent}}}},
)
def post_phone(request: Annotated[PhoneRequest, Body()]) -> Response[Any]:
    sent = send_code(
        get_redis(),
        aws_client("sns"),
        current_principal(app).user_id,
        request.phone,
        sender_id=get_settings().sms_sender_id,
    )
    return Response(
        status_code=202,
        content_type=content_types.APPLICATION_JSON,
        body=sent.model_dump(mode="json", by_alias=True),
    )


@app.post("/v1/me/phone/verify", tags=["user"], summary="Verify the phone number with the code")
def post_verify(request: Annotated[VerifyRequest, Body()]) -> PhoneOut:
    return verify_code(get_database(), get_redis(), current_principal(app).user_id, request.code)


lambda_handler = rest_handler(app)
