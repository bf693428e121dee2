"""The inbox API's payloads (API.md, "Notifications")."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

DeliveryStatus = Literal["sent", "failed", "skipped", "retrying"]


class Delivery(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    status: DeliveryStatus
    reason: str | None = None  # why skipped or failed


class NotificationOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    notification_id: str = Field(alias="notificationId")
    type: str
    title: str
    message: str
    data: dict[str, Any] = Field(default_factory=dict)  # ids of what it is about (tradeId, alertId, ...)
    created_at: str = Field(alias="createdAt")  # ISO 8601, +05:30
    read_at: str | None = Field(None, alias="readAt")
    deliveries: dict[str, Delivery] = Field(default_factory=dict)  # per channel: email, sms, push


class NotificationPage(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    items: list[NotificationOut]
    next_cursor: str | None = Field(alias="nextCursor")


class UnsubscribeOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    type: str
    unsubscribed: bool = True
