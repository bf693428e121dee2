"""The /v1/reports payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ReportKind = Literal["trade_history", "tax_pnl", "monthly_statement"]
ReportFormat = Literal["csv", "xlsx", "pdf"]
ReportStatus = Literal["queued", "running", "ready", "failed"]
Period = Annotated[
    str,
    StringConstraints(pattern=r"^20\d{2}-\d{2}$"),
    Field(description="financial year, e.g. 2024-25 (the second year must follow the first)"),
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TradeHistoryRequest(_Request):
    """The trades opened in the financial year (IST), as CSV or XLSX."""

    kind: Literal["trade_history"]
    period: Period
    format: Literal["csv", "xlsx"]


class TaxPnlRequest(_Request):
    """The financial year's tax P&L statement (the sales in it), as XLSX or PDF."""

    kind: Literal["tax_pnl"]
    period: Period
    format: Literal["xlsx", "pdf"]


class MonthlyStatementRequest(_Request):
    """A month's statement: summary metrics, equity curve and drawdown, P&L calendar, top trades."""

    kind: Literal["monthly_statement"]
    period: Annotated[
        str, StringConstraints(pattern=r"^20\d{2}-(0[1-9]|1[0-2])$"), Field(description="e.g. 2025-06")
    ]
    format: Literal["pdf"]


# POST /v1/reports (discriminated by kind): each kind with the formats it comes in, so a request the
# schema admits is one the service takes, but for a period like 2024-26 (422).
ReportRequest = TradeHistoryRequest | TaxPnlRequest | MonthlyStatementRequest


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


class ReportPage(BaseModel):
    """GET /v1/reports: the user's reports, newest first, without download URLs (GET
    /v1/reports/{reportId} gives a ready one's)."""

    model_config = ConfigDict(populate_by_name=True)

    items: list[ReportOut]
    next_cursor: str | None = Field(alias="nextCursor")
