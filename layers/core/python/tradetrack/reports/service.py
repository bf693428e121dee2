"""Report requests, the worker that renders them into S3, and their status with a download link.

POST /v1/reports stores a queued report and sends {"reportId", "userId"} to the reports queue; the
report worker renders it (tradetrack.reports.render) from the journal's own figures (the tax P&L of
GET /v1/analytics/tax-pnl, the trades of GET /v1/trades), writes it to S3 under a per-user key no
one can guess (reports/<userId>/<random>/<file name>; SSE-KMS in AWS), marks it ready and sends a
report_ready notification (inbox, WebSocket push, email as the user prefers). A run is idempotent:
a report already ready is not rendered again (its notification is sent again, and the notifier
drops the duplicate by its event id); a failed upload or store leaves the message to SQS's retry.
GET /v1/reports/{id} answers the owner only (anyone else gets 404) with a presigned GET that lives
REPORT_URL_TTL_S seconds and makes the browser save the file under its safe name.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Literal

import redis
from pymongo.database import Database

from tradetrack.analytics.tax import parse_fy
from tradetrack.db.fmv import fmv_of
from tradetrack.db.trades import closed_between
from tradetrack.errors import NotFound, SemanticError, ValidationFailed
from tradetrack.journal import to_trade_out
from tradetrack.models.trades import TradeOut
from tradetrack.notify.events import ReportReady
from tradetrack.pagination import decode_time_id, encode_time_id
from tradetrack.reports import repository as repo
from tradetrack.reports.models import ReportOut, ReportPage, ReportRequest
from tradetrack.reports.render import history_file, tax_file
from tradetrack.reports.statement import TOP, Statement, month_end, month_of, statement_pdf
from tradetrack.timeutil import IST, today_ist

if TYPE_CHECKING:  # the analytics models load with the renderer, not on the routes' cold start
    from tradetrack.analytics.realized import Realized
    from tradetrack.models.analytics import TaxPnlOut

Document = dict[str, Any]
Outcome = Literal["ready", "already_ready", "failed", "missing"]
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_file_name(name: str) -> str:
    """ASCII letters, digits, dot, dash and underscore only (no path, quote or header character),
    at most 100 characters, never empty or hidden."""
    cleaned = _UNSAFE.sub("-", name).strip(".-")[:100]
    return cleaned or "report"


def content_disposition(file_name: str) -> str:
    return f'attachment; filename="{safe_file_name(file_name)}"'


def file_name(kind: str, period: str, file_format: str) -> str:
    label = period if kind == "monthly_statement" else f"FY{period}"
    return safe_file_name(f"tradetrack-{kind.replace('_', '-')}-{label}.{file_format}")


def _out(doc: Document, *, url: str | None = None, expires_at: datetime | None = None) -> ReportOut:
    return ReportOut(
        report_id=doc["_id"],
        kind=doc["kind"],
        period=doc["period"],
        format=doc["format"],
        status=doc["status"],
        file_name=doc["fileName"],
        created_at=_aware(doc["createdAt"]).astimezone(IST),
        ready_at=_aware(doc["readyAt"]).astimezone(IST) if doc.get("readyAt") else None,
        size=doc.get("size"),
        download_url=url,
        expires_at=expires_at.astimezone(IST) if expires_at else None,
        error=doc.get("error"),
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def request_report(
    db: Database[Document],
    user_id: str,
    request: ReportRequest,
    enqueue: Callable[[dict[str, Any]], None],
    *,
    now: datetime | None = None,
) -> ReportOut:
    """A queued report (422 for a period shaped like a financial year that is none, e.g. 2024-26)."""
    try:
        if request.kind != "monthly_statement":
            parse_fy(request.period, today_ist())
    except ValidationFailed as exc:
        issue = {"field": "period", "issue": "invalid_fy", "message": exc.message}
        raise SemanticError("period must be a financial year like 2024-25", details=[issue]) from None
    name = file_name(request.kind, request.period, request.format)
    moment = now or datetime.now(UTC)
    doc: Document = {
        "_id": repo.new_report_id(),
        "userId": user_id,
        "kind": request.kind,
        "period": request.period,
        "format": request.format,
        "status": "queued",
        "fileName": name,
        "key": repo.object_key(user_id, name),
        "createdAt": moment,
        "updatedAt": moment,
    }
    repo.create(db, doc)
    enqueue({"reportId": doc["_id"], "userId": user_id})
    return _out(doc)


def report_status(
    db: Database[Document], s3: Any, bucket: str, user_id: str, report_id: str, ttl_s: int
) -> ReportOut:
    doc = repo.get(db, user_id, report_id)
    if doc is None:
        raise NotFound("no such report")
    if doc["status"] != "ready":
        return _out(doc)
    params = {
        "Bucket": bucket,
        "Key": doc["key"],
        "ResponseContentDisposition": content_disposition(doc["fileName"]),
        "ResponseContentType": CONTENT_TYPES[doc["format"]],
    }
    url = s3.generate_presigned_url("get_object", Params=params, ExpiresIn=ttl_s)
    return _out(doc, url=url, expires_at=datetime.now(UTC) + timedelta(seconds=ttl_s))


def list_reports(db: Database[Document], user_id: str, *, limit: int, cursor: str | None) -> ReportPage:
    """GET /v1/reports: the user's reports, newest first (keyset pages)."""
    docs = repo.list_for_user(db, user_id, limit=limit + 1, after=decode_time_id(cursor))
    more = len(docs) > limit
    docs = docs[:limit]
    next_cursor = encode_time_id(docs[-1]["createdAt"], docs[-1]["_id"]) if more and docs else None
    return ReportPage(items=[_out(doc) for doc in docs], next_cursor=next_cursor)


# ---- the worker --------------------------------------------------------------------------------


@dataclass
class WorkerDeps:
    db: Database[Document]
    cache: redis.Redis
    s3: Any
    bucket: str
    notify: Callable[[ReportReady], None]
    kms_key_id: str = ""
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


def fy_bounds(fy: int) -> tuple[datetime, datetime]:
    """[start, end) in UTC of FY `fy`-(`fy`+1): 1 April to 1 April, midnight IST."""
    return datetime(fy, 4, 1, tzinfo=IST).astimezone(UTC), datetime(fy + 1, 4, 1, tzinfo=IST).astimezone(UTC)


def _history(db: Database[Document], user_id: str, fy: int) -> list[TradeOut]:
    """The real accounts' trades opened in the FY (IST), oldest first, in one query (keyset pages
    cost FerretDB v1 a read of every trade of the user each: ten pages were ten reads)."""
    return [to_trade_out(doc) for doc in repo.trades_opened_between(db, user_id, *fy_bounds(fy))]


def _statement(deps: WorkerDeps, user_id: str, period: str) -> Statement:
    # Imported where a report is rendered: analytics needs numpy (~45 ms), which the routes of this
    # function (request, status) never use, so it stays out of its cold start.
    from tradetrack.analytics.service import AnalyticsQuery, summary, timeseries

    first = month_of(period)
    query = AnalyticsQuery(start=first.isoformat(), end=month_end(first).isoformat())
    start = datetime(first.year, first.month, 1, tzinfo=IST)
    end = datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=IST)
    closed = closed_between(deps.db, user_id, start.astimezone(UTC), end.astimezone(UTC))
    return Statement(
        month=first,
        summary=summary(deps.db, deps.cache, user_id, query),
        days=timeseries(deps.db, deps.cache, user_id, query, "day").items,
        closed=[to_trade_out(doc) for doc in extremes(closed, TOP)],
    )


def extremes(docs: Sequence[Document], count: int) -> list[Document]:
    """The `count` highest net P&Ls above zero and the `count` lowest below it, ties by `_id` as
    statement.top_trades ranks them: all the statement shows of a month's closed trades, so only
    these are made into TradeOut (not every trade of a busy month)."""
    key = itemgetter("netPnl", "_id")
    best = heapq.nlargest(count, (doc for doc in docs if doc["netPnl"] > 0), key=key)
    return best + heapq.nsmallest(count, (doc for doc in docs if doc["netPnl"] < 0), key=key)


def fy_tax_pnl(deps: WorkerDeps, user_id: str, fy: int) -> TaxPnlOut:
    """The FY's tax P&L as GET /v1/analytics/tax-pnl computes it (the real accounts, the user's
    FMVs), uncached (a report is asked for rarely, and a year's rows are a large cache entry), from
    the FY's sales per pair (analytics/fy_sales.py: one small document per pair, kept with the
    per-day aggregates), or, when the user's read models are not built at the current version, from
    the trades that can have a sale in the FY (repository.trades_with_sales_between): the same
    figures either way."""
    from tradetrack.analytics.fy_sales import fy_sales  # as in _statement
    from tradetrack.analytics.service import compute_tax

    sales = fy_sales(deps.db, user_id, fy)
    if sales is None:
        sales = fy_sales_from_trades(deps.db, user_id, fy)
    return compute_tax(sales, fy, deps.clock(), fmv_of(deps.db, user_id))


def fy_sales_from_trades(db: Database[Document], user_id: str, fy: int) -> list[Realized]:
    """The real accounts' sales in the FY's range from the trades that can have one (the read when
    the read model is not built)."""
    from tradetrack.analytics.service import AnalyticsQuery  # as in _statement
    from tradetrack.analytics.table import realized_in_range

    docs = repo.trades_with_sales_between(db, user_id, *fy_bounds(fy))
    return realized_in_range(docs, AnalyticsQuery().filters()).items


def render_report(deps: WorkerDeps, doc: Document) -> bytes:
    if doc["kind"] == "monthly_statement":
        return statement_pdf(_statement(deps, doc["userId"], doc["period"]), deps.clock())
    fy = parse_fy(doc["period"], today_ist())
    if doc["kind"] == "tax_pnl":
        return tax_file(fy_tax_pnl(deps, doc["userId"], fy), doc["format"], deps.clock())
    return history_file(_history(deps.db, doc["userId"], fy), doc["format"], doc["period"])


def ready_event(doc: Document) -> ReportReady:
    return ReportReady(
        type="report_ready",
        event_id=f"report_ready:{doc['_id']}",
        user_id=doc["userId"],
        report_id=doc["_id"],
        kind=doc["kind"],
        period=doc["period"],
        format=doc["format"],
        file_name=doc["fileName"],
    )


def run_report(deps: WorkerDeps, report_id: str) -> Outcome:
    """Render one report into S3 and announce it (see the module's docstring)."""
    doc = repo.get_any(deps.db, report_id)
    if doc is None:
        return "missing"
    if doc["status"] == "ready":
        deps.notify(ready_event(doc))
        return "already_ready"
    repo.set_state(deps.db, report_id, "running", deps.clock())
    try:
        data = render_report(deps, doc)
    except ValidationFailed as exc:  # the request can never succeed: say so instead of retrying
        repo.set_state(deps.db, report_id, "failed", deps.clock(), error=exc.message)
        return "failed"
    put: Document = {
        "Bucket": deps.bucket,
        "Key": doc["key"],
        "Body": data,
        "ContentType": CONTENT_TYPES[doc["format"]],
        "ContentDisposition": content_disposition(doc["fileName"]),
    }
    if deps.kms_key_id:
        put |= {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": deps.kms_key_id, "BucketKeyEnabled": True}
    deps.s3.put_object(**put)
    moment = deps.clock()
    repo.set_state(deps.db, report_id, "ready", moment, readyAt=moment, size=len(data))
    deps.notify(ready_event(doc))
    return "ready"
