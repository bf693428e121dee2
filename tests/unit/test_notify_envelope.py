"""Envelopes of notification events (tradetrack.notify.envelope): events packed in order into as few
messages as fit (at most MAX_EVENTS events and MAX_BYTES bytes), one event alone as its own body,
and every body read back as the events it carries."""

from __future__ import annotations

import json

import pytest

from tradetrack.notify.envelope import MAX_BYTES, MAX_EVENTS, events_in, pack, unpack


def body(n: int, *, pad: int = 0) -> str:
    return json.dumps(
        {"type": "trades_changed", "userId": f"usr_{n}", "source": "sync", "tradeIds": ["t" * pad]}
    )


def test_events_are_packed_in_order_up_to_the_count_limit() -> None:
    # Given more events than one message carries
    bodies = [body(n) for n in range(2 * MAX_EVENTS + 3)]
    # When they are packed
    messages = pack(bodies)
    # Then the messages carry every event once, in order, MAX_EVENTS at most in each
    assert [len(events_in(m)) for m in messages] == [MAX_EVENTS, MAX_EVENTS, 3]
    assert [e for m in messages for e in events_in(m)] == [json.loads(b) for b in bodies]


def test_a_message_stays_under_the_byte_limit() -> None:
    # Given events of ~20 KB each
    bodies = [body(n, pad=20_000) for n in range(7)]
    # When they are packed
    messages = pack(bodies)
    # Then each message is at most MAX_BYTES (two such events each, the last alone) and none is lost
    assert all(len(m.encode()) <= MAX_BYTES for m in messages)
    assert [len(events_in(m)) for m in messages] == [2, 2, 2, 1]
    assert [e for m in messages for e in events_in(m)] == [json.loads(b) for b in bodies]


def test_one_event_is_its_own_body_and_an_oversized_one_goes_alone() -> None:
    # Given a single event, and an event larger than an envelope between two small ones
    single, big = body(1), body(2, pad=MAX_BYTES)
    # Then the single event's message is its body unchanged, and the big one has a message of its own
    assert pack([single]) == [single]
    packed = pack([body(0), big, body(3)])
    assert packed == [body(0), big, body(3)]


@pytest.mark.parametrize(
    ("raw", "events"),
    [
        ({"type": "price_alert", "userId": "u"}, None),  # one event (a price alert's own JSON)
        ({"type": "x", "events": []}, None),  # a typed body is an event, whatever its fields
        ({"events": [{"type": "a"}, 3]}, [{"type": "a"}, 3]),  # elements are validated as events later
        ({"events": "no"}, None),
        ([1, 2], None),
    ],
)
def test_unpack_tells_an_envelope_from_an_event(raw: object, events: list[object] | None) -> None:
    assert unpack(raw) == events


def test_events_in_reads_either_format() -> None:
    assert events_in(body(1)) == [json.loads(body(1))]
    assert events_in(pack([body(1), body(2)])[0]) == [json.loads(body(1)), json.loads(body(2))]
    with pytest.raises(json.JSONDecodeError):
        events_in("not json")
