"""What the WebSocket routes do: register on $connect, answer frames, clean up on $disconnect.

The reply to a subscribe carries the last known quote of each symbol the quote cache holds
(`quotes`, each the same object as a pushed "quote" frame, its `ts` saying when it was quoted),
so the client shows prices before the feed's next tick, in and out of market hours; a symbol
never quoted yet is absent.
"""

from __future__ import annotations

from typing import Any

import redis

from tradetrack.errors import ValidationFailed
from tradetrack.market import subscriptions
from tradetrack.market.cache import marked_quotes
from tradetrack.market.symbols import MAX_SYMBOLS, parse_symbols
from tradetrack.websocket.connections import connection_user, forget_connection, register_connection
from tradetrack.websocket.frames import FrameError, PingFrame, SubscribeFrame, parse_frame


def connect(cache: redis.Redis, connection_id: str, user_id: str, *, ttl_s: int) -> None:
    register_connection(cache, connection_id, user_id=user_id, ttl_s=ttl_s)
    subscriptions.add_user_connection(cache, user_id, connection_id, ttl_s=ttl_s)


def disconnect(cache: redis.Redis, connection_id: str) -> None:
    """Forget the connection everywhere: its subscriptions, its user's set, the registry."""
    user_id = connection_user(cache, connection_id)
    subscriptions.forget_subscriptions(cache, connection_id, user_id)
    forget_connection(cache, connection_id)


def _symbols(raw: list[str]) -> list[str]:
    try:
        return parse_symbols(raw, limit=MAX_SYMBOLS)
    except ValidationFailed as exc:
        code = "TOO_MANY_SYMBOLS" if any(d.get("issue") == "too_many" for d in exc.details) else "BAD_SYMBOL"
        raise FrameError(code, exc.message) from None


def answer(cache: redis.Redis, connection_id: str, body: str | None, *, ttl_s: int) -> dict[str, Any]:
    """The reply to one client frame; bad frames get an error message (the connection stays open)."""
    try:
        frame = parse_frame(body)
        if isinstance(frame, PingFrame):
            return {"type": "pong"}
        symbols = _symbols(frame.symbols)
        if isinstance(frame, SubscribeFrame):
            try:
                total = subscriptions.subscribe(cache, connection_id, symbols, ttl_s=ttl_s)
            except subscriptions.TooManySymbols as exc:
                raise FrameError("TOO_MANY_SYMBOLS", str(exc)) from None
            snapshot = marked_quotes(cache, symbols)
            quotes = [snapshot[symbol].quote.to_message() for symbol in symbols if symbol in snapshot]
            return {"type": "subscribed", "symbols": symbols, "total": total, "quotes": quotes}
        total = subscriptions.unsubscribe(cache, connection_id, symbols)
        return {"type": "unsubscribed", "symbols": symbols, "total": total}
    except FrameError as exc:
        return exc.to_message()
