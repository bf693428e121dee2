"""CSV trade imports (docs/imports.md): POST /v1/imports with the file in the body (small files,
answered at once), or an upload for any size: POST /v1/imports/uploads (an import id and a
presigned S3 PUT URL), the PUT, POST /v1/imports/{importId}/start (202, the import-worker function
stores it) and GET /v1/imports/{importId} (progress); GET /v1/imports lists them, newest first."""

from __future__ import annotations

from typing import Annotated, Any

from tradetrack.aws import aws_client
from tradetrack.cache.client import get_redis
from tradetrack.config import get_settings
from tradetrack.db.client import get_database
from tradetrack.imports.jobs import create_upload, start_import
from tradetrack.imports.models import (
    ImportPage,
    ImportReport,
    ImportRequest,
    ImportStatus,
    UploadRequest,
    UploadTicket,
)
from tradetrack.imports.service import import_csv
from tradetrack.imports.status import import_status, list_imports
from tradetrack.pagination import DEFAULT_LIMIT, MAX_LIMIT
from tradetrack.queues import queue_sender
from tradetrack.rest import current_principal, make_rest_resolver, rest_handler

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

# The CSV may be 1 MB; JSON escaping (quotes, newlines) adds to it. Up to Lambda's own invocation
# payload limit (6 MB) a larger file is answered by the CSV check, which names the upload flow.
MAX_BODY_BYTES = 6 * 1024 * 1024

app = make_rest_resolver()
ImportId = Annotated[str, Path(pattern=r"^imp_[0-9a-f]{24}$")]


def _json(status: int, model: UploadTicket | ImportStatus) -> Response[Any]:
    body = model.model_dump(mode="json", by_alias=True)
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


@app.post("/v1/imports", tags=["imports"])
def post_import(request: Annotated[ImportRequest, Body()]) -> ImportReport:
    return import_csv(get_database(), get_redis(), current_principal(app).user_id, request)


@app.post(
    "/v1/imports/uploads",
    tags=["imports"],
    responses={201: {"description": "Created", "content": {"application/json": {"model": UploadTicket}}}},
)
def post_upload(request: Annotated[UploadRequest, Body()]) -> Response[Any]:
    user_id = current_principal(app).user_id
    ticket = create_upload(get_database(), aws_client("s3"), get_settings().imports_bucket, user_id, request)
    return _json(201, ticket)


@app.post(
    "/v1/imports/<importId>/start",
    tags=["imports"],
    responses={202: {"description": "Queued", "content": {"application/json": {"model": ImportStatus}}}},
)
def post_start(importId: ImportId) -> Response[Any]:  # noqa: N803 - path name
    settings = get_settings()
    enqueue = queue_sender(aws_client("sqs"), settings.imports_queue_url)
    user_id = current_principal(app).user_id
    status = start_import(
        get_database(), aws_client("s3"), settings.imports_bucket, user_id, importId, enqueue=enqueue
    )
    return _json(202, status)


@app.get("/v1/imports", tags=["imports"])
def get_imports(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> ImportPage:
    return list_imports(get_database(), current_principal(app).user_id, limit=limit, cursor=cursor)


@app.get("/v1/imports/<importId>", tags=["imports"])
def get_import(importId: ImportId) -> ImportStatus:  # noqa: N803 - path name
    return import_status(get_database(), current_principal(app).user_id, importId)


lambda_handler = rest_handler(app, max_body_bytes=MAX_BODY_BYTES)
