"""/v1/attachments/...: screenshots on trades (tradetrack.attachments; docs/attachments.md).

POST /v1/attachments/trades/{tradeId} gives a presigned S3 POST for one screenshot; after the upload
POST /v1/attachments/{attachmentId}/confirm queues it for the attachment worker (202);
GET /v1/attachments/trades/{tradeId} lists the trade's screenshots with short-lived links;
GET and DELETE /v1/attachments/{attachmentId}. One greedy API resource serves them all."""

from __future__ import annotations

from typing import Annotated, Any

from tradetrack.attachments import service
from tradetrack.attachments.models import AttachmentList, AttachmentOut, AttachmentUpload, AttachRequest
from tradetrack.aws import aws_client
from tradetrack.cache.client import get_redis
from tradetrack.config import get_settings
from tradetrack.db.client import get_database
from tradetrack.models.errors import error_responses
from tradetrack.queues import queue_sender
from tradetrack.rest import current_principal, make_rest_resolver, rest_handler

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from pydantic import BaseModel

app = make_rest_resolver()
AttachmentId = Annotated[str, Path(pattern=r"^att_[0-9a-f]{24}$", description="the attachment's id")]
TradeId = Annotated[str, Path(min_length=1, max_length=120, description="the trade's id (GET /v1/trades)")]


def _answer(status: int, model: type[BaseModel], description: str, *errors: int) -> dict[int, Any]:
    return {
        status: {"description": description, "content": {"application/json": {"model": model}}},
        **error_responses(*errors),
    }


def _json(status: int, body: BaseModel) -> Response[Any]:
    content = body.model_dump(mode="json", by_alias=True)
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=content)


@app.post(
    "/v1/attachments/trades/<tradeId>",
    tags=["attachments"],
    responses=_answer(201, AttachmentUpload, "The attachment and its presigned upload form", 404, 409),
)
def post_attachment(tradeId: TradeId, request: Annotated[AttachRequest, Body()]) -> Response[Any]:  # noqa: N803
    user_id = current_principal(app).user_id
    upload = service.request_upload(
        get_database(), get_redis(), service.default_storage(), user_id, tradeId, request
    )
    return _json(201, upload)


@app.get(
    "/v1/attachments/trades/<tradeId>",
    tags=["attachments"],
    responses=_answer(200, AttachmentList, "OK", 404),
)
def list_attachments(tradeId: TradeId) -> AttachmentList:  # noqa: N803 - path name
    user_id = current_principal(app).user_id
    return service.list_for_trade(get_database(), service.default_storage(), user_id, tradeId)


@app.post(
    "/v1/attachments/<attachmentId>/confirm",
    tags=["attachments"],
    responses=_answer(202, AttachmentOut, "Queued for the worker", 404, 409, 413),
)
def confirm_attachment(attachmentId: AttachmentId) -> Response[Any]:  # noqa: N803 - path name
    user_id = current_principal(app).user_id
    enqueue = queue_sender(aws_client("sqs"), get_settings().attachments_queue_url)
    out = service.confirm_upload(get_database(), service.default_storage(), user_id, attachmentId, enqueue)
    return _json(202, out)


@app.get(
    "/v1/attachments/<attachmentId>", tags=["attachments"], responses=_answer(200, AttachmentOut, "OK", 404)
)
def get_attachment(attachmentId: AttachmentId) -> AttachmentOut:  # noqa: N803 - path name
    user_id = current_principal(app).user_id
    return service.attachment_status(get_database(), service.default_storage(), user_id, attachmentId)


@app.delete(
    "/v1/attachments/<attachmentId>",
    tags=["attachments"],
    responses={204: {"description": "Deleted"}, **error_responses(404)},
)
def delete_attachment(attachmentId: AttachmentId) -> Response[Any]:  # noqa: N803 - path name
    service.delete_attachment(
        get_database(), service.default_storage(), current_principal(app).user_id, attachmentId
    )
    return Response(status_code=204)


lambda_handler = rest_handler(app)
