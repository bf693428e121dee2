"""A batch of notification events delivered together (the notifier Lambda's SQS batch).

A message carries one event or an envelope of many (tradetrack.notify.envelope); every event of
the batch is delivered together, and a message fails when any of its events failed: its
redelivery skips the events that succeeded (their idempotency records answer) and retries the rest.

The same delivery as Notifier.handle, event by event (each event and each of its channels exactly
once, through the same idempotency records), with the storage work done in bulk: the users read in
one query, and the inbox items inserted in one, with their delivery outcomes, once the channels
have gone out (an item already there, from an attempt that failed after it, has its outcomes
updated instead: one more round trip, on retries only). The channel sends (SES, SNS, WebSocket
posts, live events' pushes included) run on a small thread pool, since each is a network call that
waits. An event fails alone: a transient channel failure, or its inbox item not stored.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

from tradetrack.db import notifications as repo
from tradetrack.db import users
from tradetrack.idempotency import Outcome
from tradetrack.notify.envelope import unpack
from tradetrack.notify.events import LIVE_EVENTS, LiveEvent, NotificationEvent, event_key, parse_event
from tradetrack.notify.service import CHANNELS, Notifier, Prepared, RetryLater, deliveries_of, result_of
from tradetrack.notify.service import Outcome as ChannelOutcome
from tradetrack.observability import MetricUnit, metrics

Document = dict[str, Any]
SEND_WORKERS = 8  # SES's and SNS's sends of one batch, in parallel (botocore pools 10 connections)
# No send is started with less than this left of the invocation: a batch of envelopes has up to
# 250 events' sends, and a slow SES or SNS must not run it into the timeout (which would retry the
# whole batch); 10 s lets the sends in flight end (a 5 s read timeout, a retry) and the inbox write.
SEND_RESERVE_MS = 10_000
Parsed = tuple[NotificationEvent, str] | Exception  # an event and its key, or why it is none


class InboxNotStored(RuntimeError):
    """The notification's inbox item could not be inserted: the event is retried."""


class EventsFailed(RuntimeError):
    """Some events of an envelope failed (the first failure is the cause): the message is retried."""

    def __init__(self, failures: Sequence[Exception], events: int) -> None:
        super().__init__(f"{len(failures)} of {events} events failed")
        self.failures = list(failures)
        self.__cause__ = failures[0]


@cache
def _senders() -> ThreadPoolExecutor:
    """The send pool, kept across invocations (starting threads per batch is not free)."""
    return ThreadPoolExecutor(max_workers=SEND_WORKERS, thread_name_prefix="notify-send")


def _event(raw: Any) -> Parsed:
    try:
        event = parse_event(raw)
    except ValueError as exc:  # pydantic's ValidationError
        return exc
    return event, event_key(event, raw)


def _parse(body: str) -> Parsed | list[Parsed]:
    """A body's one event, or an envelope's events (each parsed alone: a bad one fails by itself)."""
    try:
        raw = json.loads(body)
    except ValueError as exc:  # JSONDecodeError
        return exc
    events = unpack(raw)
    return _event(raw) if events is None else [_event(item) for item in events]


def _outcome(parsed: Parsed, outcomes: dict[str, Outcome]) -> Outcome:
    return parsed if isinstance(parsed, Exception) else outcomes[parsed[1]]


def _envelope_outcome(parsed: list[Parsed], outcomes: dict[str, Outcome]) -> Outcome:
    """{"status": "done", "events": [each event's result]}, or EventsFailed when any failed."""
    results = [_outcome(item, outcomes) for item in parsed]
    failures = [result for result in results if isinstance(result, Exception)]
    if failures:
        return EventsFailed(failures, len(results))
    return {"status": "done", "events": results}


def handle_batch(notifier: Notifier, bodies: Sequence[str]) -> list[Outcome]:
    """Each message body's result, or the exception that fails it (in the order given)."""
    parsed = [_parse(body) for body in bodies]
    flat = [event for item in parsed for event in (item if isinstance(item, list) else [item])]
    events = {item[1]: item[0] for item in flat if not isinstance(item, Exception)}
    outcomes = notifier.idempotency.once_each(
        "notify-event", list(events), lambda keys: _deliver(notifier, {key: events[key] for key in keys})
    )
    return [
        _envelope_outcome(item, outcomes) if isinstance(item, list) else _outcome(item, outcomes)
        for item in parsed
    ]


def _send_in_time(notifier: Notifier, item: Prepared, channel: str) -> ChannelOutcome:
    """notifier.send, unless the invocation has less than SEND_RESERVE_MS left: then the channel is
    not tried and its event is retried (the message's redelivery sends it; what went out is kept)."""
    remaining = notifier.idempotency.remaining_ms()
    if remaining is not None and remaining < SEND_RESERVE_MS:
        metrics.add_metric(name="DeliveriesDeferred", unit=MetricUnit.Count, value=1)
        return channel, {"status": "retrying", "reason": "deadline"}, RetryLater("no time left to send")
    return notifier.send(item, channel)


def _channels(notifier: Notifier, prepared: dict[str, Prepared]) -> dict[str, list[ChannelOutcome]]:
    """Every channel's outcome of every notification, by key (in CHANNELS order); the sends on the
    thread pool."""
    outcomes: dict[str, list[ChannelOutcome]] = {key: [] for key in prepared}
    sends: list[tuple[Prepared, str]] = []
    for key, item in prepared.items():
        for channel in CHANNELS:
            reason = notifier.skip_reason(channel, item.event, item.user, item.prefs)
            if reason:
                outcomes[key].append((channel, {"status": "skipped", "reason": reason}, None))
            else:
                sends.append((item, channel))
    if len(sends) > 1:
        sent = list(_senders().map(lambda task: _send_in_time(notifier, *task), sends))
    else:
        sent = [_send_in_time(notifier, *task) for task in sends]
    for (item, _), outcome in zip(sends, sent, strict=True):
        outcomes[item.key].append(outcome)
    return {key: sorted(found, key=lambda o: CHANNELS.index(o[0])) for key, found in outcomes.items()}


def _live(notifier: Notifier, events: dict[str, LiveEvent]) -> dict[str, Outcome]:
    """The live events' pushes (on the thread pool when there are several posts to make)."""
    if notifier.post is None or len(events) < 2:
        return {key: notifier.deliver_live(event) for key, event in events.items()}
    return dict(zip(events, _senders().map(notifier.deliver_live, events.values()), strict=True))


def _deliver(notifier: Notifier, events: dict[str, NotificationEvent]) -> dict[str, Outcome]:
    found = users.get_users(
        notifier.db, {event.user_id for event in events.values() if not isinstance(event, LIVE_EVENTS)}
    )
    results: dict[str, Outcome] = _live(
        notifier, {k: e for k, e in events.items() if isinstance(e, LIVE_EVENTS)}
    )
    prepared: dict[str, Prepared] = {}
    for key, event in events.items():
        if isinstance(event, LIVE_EVENTS):
            continue
        item = notifier.prepare(event, key, found.get(event.user_id))
        if isinstance(item, Prepared):
            prepared[key] = item
        else:
            results[key] = item
    delivered = {key: deliveries_of(outcomes) for key, outcomes in _channels(notifier, prepared).items()}
    for key, (deliveries, _) in delivered.items():
        prepared[key].inbox["deliveries"] = deliveries
    refused = repo.insert_many_once(notifier.db, [item.inbox for item in prepared.values()])
    there = {nid for nid, error in refused.items() if error is None}
    repo.set_deliveries_many(
        notifier.db,
        {
            item.notification_id: item.inbox["deliveries"]
            for item in prepared.values()
            if item.notification_id in there
        },
    )
    for key, (deliveries, failure) in delivered.items():
        item = prepared[key]
        error = refused.get(item.notification_id)
        try:
            if error is not None:
                raise InboxNotStored(error)
            results[key] = result_of(item.event, item.notification_id, deliveries, failure)
        except Exception as exc:  # RetryLater or InboxNotStored: this event goes back to the queue
            results[key] = exc
    return results
