from __future__ import annotations

import json

import pytest

from tradetrack.websocket.frames import MAX_FRAME_BYTES, FrameError, PingFrame, parse_frame


def test_ping_is_understood() -> None:
    assert isinstance(parse_frame('{"action": "ping"}'), PingFrame)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "BAD_FRAME"),
        ("", "BAD_FRAME"),
        (None, "BAD_FRAME"),
        ("[1, 2]", "BAD_FRAME"),
        ('{"action": 5}', "BAD_FRAME"),
        ('{"action": "ping", "extra": true}', "BAD_FRAME"),
        ('{"action": "launch"}', "UNKNOWN_ACTION"),
        (json.dumps({"action": "ping", "pad": "x" * MAX_FRAME_BYTES}), "FRAME_TOO_LARGE"),
    ],
)
def test_bad_frames_are_refused_with_a_code(raw: str | None, code: str) -> None:
    # Given a frame that is not a valid client message / When parsed / Then it is refused with a reason
    with pytest.raises(FrameError) as caught:
        parse_frame(raw)
    assert caught.value.code == code
    assert caught.value.to_message()["type"] == "error"
