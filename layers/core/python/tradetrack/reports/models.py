"""The /v1/reports payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ReportKind = Literal["trade_history", "tax_pnl"]
ReportFormat = Literal["csv", "xlsx", "pdf"]
ReportStatus = Literal["queued", "running", "ready", "failed"]
# What each kind is rendered as (docs/reports.md).
FORMATS: dict[str, tuple[str, ...]] = {"trade_history": ("csv", "xlsx"), "tax_pnl": ("xlsx", "pdf")}
Period = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}$")]


class ReportRequest(BaseModel):
    """POST /v1/reports: a report of one financial year."""

    model_config = ConfigDict(extra="forbid")

    kind: ReportKind = Field(description="trade_history (csv, xlsx) or tax_pnl (xlsx, pdf)")
    period: Period = Field(
        description="financial year, e.g. 2024-25: tax_pnl covers the sales in it, trade_history the "
        "trades opened in it (IST)"
    )
    format: ReportFormat


class ReportOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    report_id: str = Field(alias="reportId")
    kind: ReportKind
    period: str
    format: ReportFormat
    status: ReportStatus
    file_name: str = Field(alias="fileName")
    created_at: datetime = Field(alias="createdAt")
    ready_at: datetime | None = Field(None, alias="readyAt")
    size: int | None = Field(None, description="bytes, once ready")
    download_url: str | None = Field(
        None, alias="downloadUrl", description="presigned GET of the file, once ready; expires at expiresAt"
    )
    expires_at: datetime | None = Field(None, alias="expiresAt")
    error: str | None = Field(None, description="why the report failed, when it did")
