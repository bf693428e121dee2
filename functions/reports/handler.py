"""Reports (docs/reports.md): POST /v1/reports {kind, period, format} queues one (202 with its id);
GET /v1/reports lists the user's, newest first; GET /v1/reports/{reportId} gives its status and,
once ready, a short-lived download URL.

The same function consumes the reports queue (an SQS event): one message, one report rendered into
S3 (tradetrack.reports.service.run_report, idempotent), then a report_ready notification on the
notifications queue; a failed record goes back to SQS alone (tradetrack.batches)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from tradetrack.aws import aws_client
from tradetrack.batches import partial_batch_response
from tradetrack.cache.client import get_redis
from tradetrack.config import get_settings
from tradetrack.db.client import get_database
from tradetrack.notify.sender import event_sender
from tradetrack.observability import log_record_failures, logger, metrics, tracer
from tradetrack.pagination import DEFAULT_LIMIT, MAX_LIMIT
from tradetrack.queues import queue_sender
from tradetrack.reports.models import (
    MonthlyStatementRequest,
    ReportOut,
    ReportPage,
    TaxPnlRequest,
    TradeHistoryRequest,
)
from tradetrack.reports.service import WorkerDeps, list_reports, report_status, request_report, run_report
from tradetrack.rest import current_principal, make_rest_resolver, rest_handler

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

app = make_rest_resolver()
ReportId = Annotated[str, Path(pattern=r"^rpt_[0-9a-f]{24}$")]


@app.post(
    "/v1/reports",
    tags=["reports"],
    responses={202: {"description": "Queued", "content": {"application/json": {"model": ReportOut}}}},
)
def post_report(
    request: Annotated[
        TradeHistoryRequest | TaxPnlRequest | MonthlyStatementRequest, Body(discriminator="kind")
    ],
) -> Response[Any]:
    queue_url = get_settings().reports_queue_url
    user_id = current_principal(app).user_id
    report = request_report(get_database(), user_id, request, queue_sender(aws_client("sqs"), queue_url))
    body = report.model_dump(mode="json", by_alias=True)
    return Response(status_code=202, content_type=content_types.APPLICATION_JSON, body=body)


@app.get("/v1/reports", tags=["reports"])
def get_reports(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> ReportPage:
    return list_reports(get_database(), current_principal(app).user_id, limit=limit, cursor=cursor)


@app.get("/v1/reports/<reportId>", tags=["reports"])
def get_report(reportId: ReportId) -> ReportOut:  # noqa: N803 - path name
    settings = get_settings()
    user_id, ttl = current_principal(app).user_id, settings.report_url_ttl_s
    return report_status(get_database(), aws_client("s3"), settings.reports_bucket, user_id, reportId, ttl)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def _consume(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    notify = event_sender(settings.notifications_queue_url, what="report ready")
    deps = WorkerDeps(get_database(), get_redis(), aws_client("s3"), settings.reports_bucket, notify,
                      kms_key_id=settings.reports_kms_key_id)  # fmt: skip

    def record_handler(record: SQSRecord) -> str:
        report_id = str(json.loads(record.body)["reportId"])
        outcome = run_report(deps, report_id)
        logger.info("report run", extra={"reportId": report_id, "outcome": outcome})
        return outcome

    return dict(partial_batch_response(event, log_record_failures(record_handler)))


_rest = rest_handler(app)


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The reports queue's SQS events to the worker, API Gateway's requests to the routes."""
    if "Records" in event:
        consumed: dict[str, Any] = _consume(event, context)
        return consumed
    return _rest(event, context)
