"""The market feed's paper pass (functions/market_feed, every minute): quote the live orders'
instruments, trigger and fill what the quotes reach, expire DAY orders past the close, square MIS
positions off at 15:20 IST, reconcile every account this pass touched, and send the events."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from pymongo.database import Database

from tradetrack.market.providers import QuoteProvider
from tradetrack.paper.clock import Clock, Document, utc_now
from tradetrack.paper.events import Events
from tradetrack.paper.expiry import expire_day_orders
from tradetrack.paper.matching import feed_quotes, match_tick
from tradetrack.paper.reconcile import reconcile
from tradetrack.paper.rules import Rules, rules_or_settings
from tradetrack.paper.squareoff import square_off


@dataclass(frozen=True)
class PassResult:
    fills: int
    expired: int
    squared_off: int
    reconciled: int
    drifted: int


def feed_pass(
    db: Database[Document],
    cache: redis.Redis,
    provider: QuoteProvider,
    *,
    now: Clock = utc_now,
    rules: Rules | None = None,
    events: Events | None = None,
) -> PassResult:
    rules = rules_or_settings(rules)
    events = events if events is not None else Events()
    quotes = feed_quotes(db, cache, provider)
    fills = match_tick(db, cache, quotes, now=now, rules=rules, events=events)
    expired = expire_day_orders(db, cache, now=now, events=events)
    squared = square_off(db, cache, now=now, rules=rules, events=events)
    touched = sorted({str(e["accountId"]) for e in events.items})
    checked = reconcile(db, touched)
    events.send()
    return PassResult(fills, expired, squared, len(checked), sum(1 for r in checked if r.drift))


def match_feed(
    db: Database[Document], cache: redis.Redis, provider: QuoteProvider, *, now: Clock = utc_now
) -> int:
    """The feed's pass, answering the fills it made (as before the pass did more)."""
    return feed_pass(db, cache, provider, now=now).fills
