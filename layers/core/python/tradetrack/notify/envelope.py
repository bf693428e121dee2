"""Many notification events in one notifications-queue message (an envelope), and back.

An envelope is `{"events": [<event>, ...]}`, each element an event's own JSON (`to_body`); a body
with one event is that event's JSON, as before envelopes (and as price alerts send theirs), so
either is a message the notifier reads. Packing is in order, at most MAX_EVENTS events and
MAX_BYTES bytes per message:

- MAX_EVENTS = 25 bounds a notifier invocation: a batch of ten messages is at most 250 events,
  whose sends (email, SMS, WebSocket posts) run on tradetrack.notify.batch's thread pool well
  inside the notifier's 30 s timeout; and it bounds what one failing event sends back to the queue
  (its message's other events are redelivered, and skipped by their idempotency records).
- MAX_BYTES = 60,000 keeps a message under 64 KiB, the size SQS bills as one request, and far under
  its 256 KiB per message. A trade confirmation is ~300 bytes, so 25 of them are ~8 KB; a few
  large events (a trades_changed naming 500 trades) fill a message by bytes first. One event
  larger than MAX_BYTES goes alone (tradetrack.queues refuses a body over SQS's limit).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

MAX_EVENTS = 25
MAX_BYTES = 60_000
_OPEN, _CLOSE = '{"events":[', "]}"
_OVERHEAD = len(_OPEN) + len(_CLOSE)


def pack(bodies: Sequence[str]) -> list[str]:
    """The message bodies that carry the events' `bodies` (each an event's JSON), in order: one
    event alone as its own body, several in an envelope."""
    groups: list[list[str]] = []
    size = 0
    for body in bodies:
        length = len(body.encode()) + 1  # and its comma
        if not groups or len(groups[-1]) == MAX_EVENTS or size + length > MAX_BYTES:
            groups.append([])
            size = _OVERHEAD
        groups[-1].append(body)
        size += length
    return [group[0] if len(group) == 1 else _OPEN + ",".join(group) + _CLOSE for group in groups]


def unpack(raw: Any) -> list[Any] | None:
    """A parsed message body's events when it is an envelope; None when it is one event."""
    if isinstance(raw, dict) and "type" not in raw and isinstance(raw.get("events"), list):
        return list(raw["events"])
    return None


def events_in(body: str) -> list[Any]:
    """The events (parsed JSON, unvalidated) a message body carries: an envelope's, or the one."""
    raw = json.loads(body)
    events = unpack(raw)
    return [raw] if events is None else events
