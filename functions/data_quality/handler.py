"""GET /v1/data-quality: unmatched exits and orphaned annotations, and how to resolve them."""

from __future__ import annotations

from tradetrack.db.client import get_database
from tradetrack.quality.models import DataQualityReport
from tradetrack.quality.service import data_quality
from tradetrack.rest import current_principal, make_rest_resolver, rest_handler

app = make_rest_resolver()


@app.get("/v1/data-quality", tags=["trades"])
def get_data_quality() -> DataQualityReport:
    return data_quality(get_database(), current_principal(app).user_id)


lambda_handler = rest_handler(app)
