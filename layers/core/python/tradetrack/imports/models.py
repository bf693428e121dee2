"""The POST /v1/imports payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tradetrack.models.uploads import MAX_REJECTIONS_SHOWN, AccountId, Rejection

ImportFormat = Literal["zerodha_tradebook", "upstox_trades", "generic"]
DEFAULT_ACCOUNT = "import"


class ImportRequest(BaseModel):
    """A CSV file as text (UTF-8, optional BOM) and the format it is in."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    format: ImportFormat
    csv: str = Field(description="The file's text; at most 5 MB (5,242,880 bytes) as UTF-8")
    account_id: AccountId = Field(
        DEFAULT_ACCOUNT,
        alias="accountId",
        description="Account the fills belong to; use the broker account's id so later syncs dedupe",
    )


class ImportReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    imported: int = Field(description="Fills stored by this import")
    duplicates: int = Field(description="Fills already stored (same source and trade id): skipped")
    rejected: list[Rejection] = Field(description=f"Rows skipped, first {MAX_REJECTIONS_SHOWN} only")
    rejected_count: int = Field(alias="rejectedCount", description="All rows skipped")
    instruments: int = Field(description="Instruments whose trades were re-derived")
    unmatched_exits: int = Field(
        0,
        alias="unmatchedExits",
        description="Sells of the instruments this file touched that found no shares to close (bought "
        "before the journal's data): no P&L until opening lots explain them (GET /v1/data-quality)",
    )
    unmatched_units: int = Field(0, alias="unmatchedUnits", description="The units of those sells")


ImportState = Literal["awaiting_upload", "queued", "running", "succeeded", "failed"]
ImportPhase = Literal["storing", "recomputing"]


class UploadRequest(BaseModel):
    """POST /v1/imports/uploads: the file to come, by format and account."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    format: ImportFormat
    account_id: AccountId = Field(
        DEFAULT_ACCOUNT,
        alias="accountId",
        description="Account the fills belong to; use the broker account's id so later syncs dedupe",
    )


class UploadTicket(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    import_id: str = Field(alias="importId")
    upload_url: str = Field(alias="uploadUrl", description="PUT the file's bytes here (no auth header)")
    method: Literal["PUT"] = "PUT"
    headers: dict[str, str] = Field(description="Headers the PUT must carry (they are signed)")
    expires_in: int = Field(alias="expiresIn", description="Seconds the upload URL stays valid")
    max_bytes: int = Field(alias="maxBytes", description="The largest file accepted")
    start_url: str = Field(alias="startUrl", description="POST here once the file is uploaded (202)")


class ImportFailure(BaseModel):
    code: str
    message: str


class ImportStatus(BaseModel):
    """GET /v1/imports/{importId}: an uploaded import's state and progress."""

    model_config = ConfigDict(populate_by_name=True)

    import_id: str = Field(alias="importId")
    state: ImportState
    format: ImportFormat
    account_id: str = Field(alias="accountId")
    rows_done: int = Field(alias="rowsDone", description="Data rows of the file read and stored so far")
    imported: int = Field(description="Fills stored by this import so far")
    duplicates: int = Field(description="Fills already stored: skipped")
    rejected: list[Rejection] = Field(description=f"Rows skipped, first {MAX_REJECTIONS_SHOWN} only")
    rejected_count: int = Field(alias="rejectedCount", description="All rows skipped")
    instruments: int = Field(
        description="Instruments (per account) of the fills read so far: their trades are re-derived "
        "once, in the recomputing phase"
    )
    phase: ImportPhase | None = Field(
        None,
        description="While running: storing (the file's fills, batch by batch), then recomputing "
        "(the trades of those instruments)",
    )
    pairs_done: int = Field(
        0, alias="pairsDone", description="Instruments (of `instruments`) whose trades are re-derived"
    )
    unmatched_exits: int = Field(0, alias="unmatchedExits")
    unmatched_units: int = Field(0, alias="unmatchedUnits")
    error: ImportFailure | None = Field(None, description="Why a failed import failed")
    created_at: datetime = Field(alias="createdAt")
    started_at: datetime | None = Field(None, alias="startedAt")
    finished_at: datetime | None = Field(None, alias="finishedAt")


class ImportPage(BaseModel):
    """GET /v1/imports: the user's uploaded imports, newest first."""

    model_config = ConfigDict(populate_by_name=True)

    items: list[ImportStatus]
    next_cursor: str | None = Field(alias="nextCursor")
