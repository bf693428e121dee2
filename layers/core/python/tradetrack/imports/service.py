"""POST /v1/imports as a plain function over its clients: parse, insert new fills, recompute trades."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import redis
from pymongo.database import Database

from tradetrack.book import refuse_paper_account
from tradetrack.db.executions import insert_executions, to_document
from tradetrack.db.instrument_aliases import with_isins
from tradetrack.errors import PayloadTooLarge
from tradetrack.imports import generic, upstox, zerodha
from tradetrack.imports.models import ImportFormat, ImportReport, ImportRequest
from tradetrack.imports.parsing import ParseResult
from tradetrack.imports.text import check_text
from tradetrack.models.uploads import MAX_REJECTIONS_SHOWN, Rejection
from tradetrack.observability import MetricUnit, logger, metrics
from tradetrack.quality.repository import issues_of_pairs
from tradetrack.trades import recompute

Parser = Callable[..., ParseResult]
PARSERS: dict[ImportFormat, Parser] = {
    "zerodha_tradebook": zerodha.parse,
    "upstox_trades": upstox.parse,
    "generic": generic.parse,
}


# The JSON body path (POST /v1/imports with `csv`) answers within the request: files up to these
# sizes; larger ones go through an upload (POST /v1/imports/uploads, tradetrack.imports.jobs).
MAX_BODY_CSV_BYTES = 1024 * 1024
MAX_BODY_ROWS = 5_000
UPLOAD_HINT = "upload larger files instead: POST /v1/imports/uploads (docs/imports.md)"


def parse_csv(request: ImportRequest, *, now: datetime | None = None) -> ParseResult:
    """The request's file as fills and rejections; raises for a file that cannot be read at all,
    and 413 past the body path's limits (MAX_BODY_CSV_BYTES, MAX_BODY_ROWS)."""
    size = len(request.csv.encode("utf-8", errors="surrogatepass"))
    if size > MAX_BODY_CSV_BYTES:
        raise PayloadTooLarge(
            f"the CSV is {size} bytes; at most {MAX_BODY_CSV_BYTES} bytes are imported in the request: "
            + UPLOAD_HINT,
            details=[{"field": "csv", "limitBytes": MAX_BODY_CSV_BYTES, "upload": "/v1/imports/uploads"}],
        )
    text = check_text(request.csv)
    parsed = PARSERS[request.format](text, account_id=request.account_id, now=now)
    rows = len(parsed.items) + len(parsed.rejected)
    if rows > MAX_BODY_ROWS:
        raise PayloadTooLarge(
            f"the CSV has {rows} rows; at most {MAX_BODY_ROWS} are imported in the request: " + UPLOAD_HINT,
            details=[{"field": "csv", "limitRows": MAX_BODY_ROWS, "upload": "/v1/imports/uploads"}],
        )
    return parsed


def import_csv(
    db: Database[dict[str, Any]],
    cache: redis.Redis,
    user_id: str,
    request: ImportRequest,
    *,
    now: datetime | None = None,
) -> ImportReport:
    """Store the file's new fills for `user_id` and re-derive the trades of the instruments they touch.

    Idempotent: fills already stored (same account, source and externalId) count as duplicates.
    """
    refuse_paper_account(request.account_id, what="an imported file")
    parsed = parse_csv(request, now=now)
    documents = [to_document(user_id, parsed.source, item) for item in with_isins(db, parsed.items)]
    inserted = insert_executions(db, documents)
    touched = inserted.touched
    # Every fill of the file, new or already stored: re-importing a file after a failure brings
    # the ledgers up to date with what the failed run stored (merging by execution id is harmless).
    recompute(db, cache, user_id, touched, facts=documents)
    pairs = {(doc["accountId"], doc["instrument"]) for doc in documents}
    unmatched = [
        exit_ for doc in issues_of_pairs(db, user_id, sorted(pairs)) for exit_ in doc.get("unmatched") or ()
    ]
    report = ImportReport(
        imported=len(inserted.inserted),
        duplicates=inserted.duplicates,
        rejected=[Rejection(line=line, reason=why) for line, why in parsed.rejected[:MAX_REJECTIONS_SHOWN]],
        rejected_count=len(parsed.rejected),
        instruments=len(touched),
        unmatched_exits=len(unmatched),
        unmatched_units=sum(int(exit_["quantity"]) for exit_ in unmatched),
    )
    logger.info(
        "csv import",
        extra={
            "format": request.format,
            "imported": report.imported,
            "duplicates": report.duplicates,
            "rejected": report.rejected_count,
        },
    )
    metrics.add_metric(name="ImportedExecutions", unit=MetricUnit.Count, value=report.imported)
    return report
