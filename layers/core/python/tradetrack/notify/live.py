"""Live events from the API's own writes: a manual fill or an annotation changed trades, so the
user's other tabs and devices hear it (a `trades` frame, docs/websocket.md).

Best effort on the request path: one SendMessage to the notifications queue after the write is
done; a failure is logged and counted, never turns the request into an error.
"""

from __future__ import annotations

from collections.abc import Iterable

from tradetrack.config import get_settings
from tradetrack.notify.events import TradeSource, trades_changed
from tradetrack.notify.sender import send_events


def announce_trades_changed(user_id: str, source: TradeSource, trade_ids: Iterable[str]) -> None:
    ids = list(trade_ids)
    if not ids:
        return
    event = trades_changed(user_id, source, ids)
    queue_url = get_settings().notifications_queue_url
    # the write is done: a lost live event costs a refresh, not data
    send_events(queue_url, [event], what="live event", lost_metric="LiveEventsLost")
