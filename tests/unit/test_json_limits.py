"""Client JSON outside REST bodies is bounded too: list cursors (base64 JSON) and WebSocket frames."""

from __future__ import annotations

import base64

import pytest

from tradetrack.errors import ValidationFailed
from tradetrack.json_limits import MAX_JSON_DEPTH
from tradetrack.pagination import decode_cursor, encode_cursor
from tradetrack.websocket.frames import FrameError, parse_frame


def test_a_forged_cursor_nested_a_thousand_deep_is_a_400_on_the_cursor() -> None:
    # Given a cursor a client made of a thousand nested arrays
    forged = base64.urlsafe_b64encode(b"[" * 1000).decode().rstrip("=")
    # When it is decoded / Then a validation error naming the cursor, not a RecursionError
    with pytest.raises(ValidationFailed) as refused:
        decode_cursor(forged)
    assert refused.value.message == f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
    assert refused.value.details[0]["field"] == "cursor"


def test_a_cursor_the_api_made_still_decodes() -> None:
    # Given a cursor the API issued / When decoded / Then its position comes back
    position = {"openedAt": "2026-12-01T09:15:00Z", "_id": "t_1"}
    assert decode_cursor(encode_cursor(position)) == position


def test_a_websocket_frame_nested_a_thousand_deep_is_a_bad_frame() -> None:
    # Given a frame of a subscribe action whose symbols nest a thousand arrays
    frame = '{"action": "subscribe", "symbols": ' + "[" * 1000
    # When parsed / Then the client is told BAD_FRAME (the connection handler answers it), no RecursionError
    with pytest.raises(FrameError) as refused:
        parse_frame(frame)
    assert refused.value.code == "BAD_FRAME"
    assert "nested deeper" in refused.value.message
