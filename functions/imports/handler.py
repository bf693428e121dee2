"""POST /v1/imports: a broker tradebook or generic CSV into executions and trades (docs/imports.md)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from tradetrack.cache.client import get_redis
from tradetrack.db.client import get_database
from tradetrack.imports.models import ImportReport, ImportRequest
from tradetrack.imports.service import import_csv
from tradetrack.rest import current_principal, make_rest_resolver, rest_handler

# The CSV may be 5 MB; JSON escaping (quotes, newlines) adds to it. Lambda's own invocation
# payload limit (6 MB) is the ceiling in front of this one.
MAX_BODY_BYTES = 6 * 1024 * 1024

app = make_rest_resolver()


@app.post("/v1/imports", tags=["imports"])
def post_import(request: Annotated[ImportRequest, Body()]) -> ImportReport:
    return import_csv(get_database(), get_redis(), current_principal(app).user_id, request)


lambda_handler = rest_handler(app, max_body_bytes=MAX_BODY_BYTES)
