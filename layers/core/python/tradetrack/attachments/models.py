"""The /v1/attachments payloads (docs/attachments.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

AttachmentStatus = Literal["awaiting_upload", "processing", "ready", "rejected"]


class AttachRequest(BaseModel):
    """POST /v1/attachments/trades/{tradeId}: a screenshot to come for the trade."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    file_name: str | None = Field(
        None,
        alias="fileName",
        min_length=1,
        max_length=200,
        description="the file's name as the trader knows it, shown only (reduced to [A-Za-z0-9._-]); "
        "the type is told by the file's bytes, never by this name",
    )


class AttachmentOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    attachment_id: str = Field(alias="attachmentId")
    trade_id: str = Field(alias="tradeId", description="the trade the screenshot was attached to")
    status: AttachmentStatus
    file_name: str | None = Field(None, alias="fileName")
    content_type: str | None = Field(None, alias="contentType", description="told by the bytes, once ready")
    size: int | None = Field(None, description="bytes of the cleaned image, once ready")
    width: int | None = None
    height: int | None = None
    thumbnail_width: int | None = Field(None, alias="thumbnailWidth")
    thumbnail_height: int | None = Field(None, alias="thumbnailHeight")
    created_at: datetime = Field(alias="createdAt")
    ready_at: datetime | None = Field(None, alias="readyAt")
    url: str | None = Field(None, description="presigned GET of the cleaned image, once ready")
    thumbnail_url: str | None = Field(
        None, alias="thumbnailUrl", description="presigned GET of the JPEG thumbnail"
    )
    expires_at: datetime | None = Field(
        None, alias="expiresAt", description="when url and thumbnailUrl expire"
    )
    error: str | None = Field(None, description="why the upload was rejected, when it was")


class UploadForm(BaseModel):
    """An S3 presigned POST: send `fields` and then the file (form field `file`) to `url` as
    multipart/form-data. S3 refuses a file over maxBytes, another key, or a late upload."""

    model_config = ConfigDict(populate_by_name=True)

    url: str
    fields: dict[str, str]
    max_bytes: int = Field(alias="maxBytes")
    expires_at: datetime = Field(alias="expiresAt")


class AttachmentUpload(BaseModel):
    """201: the attachment (awaiting its upload) and where to upload it."""

    model_config = ConfigDict(populate_by_name=True)

    attachment: AttachmentOut
    upload: UploadForm


class AttachmentList(BaseModel):
    items: list[AttachmentOut]
    limit: int = Field(description="how many screenshots a trade may have")
