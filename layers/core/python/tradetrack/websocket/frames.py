"""Frames clients send on the WebSocket (API.md, "WebSocket") and the replies we push."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from tradetrack.json_limits import MAX_JSON_DEPTH, nesting_depth_exceeds

MAX_FRAME_BYTES = 32 * 1024


class PingFrame(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["ping"]


class SubscribeFrame(BaseModel):
    """{"action": "subscribe", "symbols": ["NSE:INFY", "NSE:NIFTY 50"]}; the handler checks the symbols."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["subscribe"]
    symbols: list[Annotated[str, Field(max_length=64)]] = Field(min_length=1)


class UnsubscribeFrame(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["unsubscribe"]
    symbols: list[Annotated[str, Field(max_length=64)]] = Field(min_length=1)


ClientFrame = Annotated[PingFrame | SubscribeFrame | UnsubscribeFrame, Field(discriminator="action")]
_FRAME: TypeAdapter[PingFrame | SubscribeFrame | UnsubscribeFrame] = TypeAdapter(ClientFrame)
KNOWN_ACTIONS = ("ping", "subscribe", "unsubscribe")


class FrameError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def to_message(self) -> dict[str, Any]:
        return {"type": "error", "code": self.code, "message": self.message}


def parse_frame(raw: str | None) -> PingFrame | SubscribeFrame | UnsubscribeFrame:
    """The client's frame, or FrameError saying what is wrong with it."""
    body = raw or ""
    if len(body.encode("utf-8")) > MAX_FRAME_BYTES:
        raise FrameError("FRAME_TOO_LARGE", f"frames are limited to {MAX_FRAME_BYTES} bytes")
    if nesting_depth_exceeds(body):
        raise FrameError("BAD_FRAME", f"frame is JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        raise FrameError("BAD_FRAME", "frame is not valid JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("action"), str):
        raise FrameError("BAD_FRAME", 'frame must be a JSON object with a string "action"')
    if data["action"] not in KNOWN_ACTIONS:
        raise FrameError("UNKNOWN_ACTION", f"unknown action {data['action'][:64]!r}")
    try:
        return _FRAME.validate_python(data)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in err["loc"]) or "frame" for err in exc.errors())
        raise FrameError("BAD_FRAME", f"invalid fields: {fields}") from None
