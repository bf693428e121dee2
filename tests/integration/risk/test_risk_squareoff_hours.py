"""The daily-loss square-off while the market is closed, against the real test store (market hours
on, the clock injected): its exit is an AMO that waits for the open, and later monitor passes keep
it instead of canceling and placing it again every minute."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import redis
from pymongo.database import Database

from tradetrack.config import reset_settings
from tradetrack.market.cache import cache_quotes
from tradetrack.market.quote import Quote
from tradetrack.notify.events import RiskViolation
from tradetrack.paper import accounts, matching, placement
from tradetrack.paper.models import AccountIn, OrderIn
from tradetrack.paper.rules import Rules
from tradetrack.risk.models import LimitsIn
from tradetrack.risk.monitor import monitor_paper
from tradetrack.risk.service import set_user_limits
from tradetrack.risk_accounts import REASON, paper_square_off
from tradetrack.timeutil import IST

Db = Database[dict[str, Any]]
USER = "usr_risk_night"
MONDAY = datetime(2025, 3, 3, 11, 0, tzinfo=IST)
EVENING = datetime(2025, 3, 3, 20, 0, tzinfo=IST)
TUESDAY_OPEN = datetime(2025, 3, 4, 9, 15, tzinfo=IST)


@pytest.fixture
def market_hours(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PAPER_MARKET_HOURS", "true")
    reset_settings()
    yield
    reset_settings()


def quote(cache: redis.Redis, ltp: str) -> None:
    cache_quotes(cache, [Quote(symbol="NSE:INFY", ltp=Decimal(ltp), ts=datetime.now(UTC))])


def test_a_square_off_after_the_close_waits_for_the_open_once(
    mongo_db: Db, redis_client: redis.Redis, market_hours: None
) -> None:
    # Given a ₹1,000 daily-loss limit and 10 INFY bought at 1500 on Monday morning
    set_user_limits(mongo_db, redis_client, USER, LimitsIn.model_validate({"maxLossPerDay": "1000"}))
    paper_id = accounts.open_account(mongo_db, USER, AccountIn(starting_balance="100000")).account_id
    quote(redis_client, "1500")
    body = OrderIn(symbol="INFY", exchange="NSE", side="BUY", type="MARKET", quantity=10)
    assert (
        placement.place_order(mongo_db, redis_client, USER, paper_id, body, now=lambda: MONDAY).state
        == "executed"
    )
    # When INFY is at 1400 in the evening (₹1,000 down) and the monitor runs on three passes
    quote(redis_client, "1400")
    sent: list[RiskViolation] = []
    square_off = paper_square_off(mongo_db, redis_client, now=lambda: EVENING)
    for _ in range(3):
        monitor_paper(mongo_db, redis_client, notify=sent.append, square_off=square_off, now=lambda: EVENING)
    # Then one exit waits for the open (an AMO), never canceled and placed again; one alert
    sells = list(mongo_db["paper_orders"].find({"accountId": paper_id, "side": "SELL"}))
    assert [(s["state"], s["history"][0]["reason"]) for s in sells] == [("pending", REASON)]
    assert len(sent) == 1
    # When Tuesday opens at 1410 / Then the exit sells at the open's price
    matching.match_tick(
        mongo_db,
        redis_client,
        {"NSE:INFY": Decimal("1410")},
        now=lambda: TUESDAY_OPEN,
        rules=Rules(market_hours=True),
    )
    sold = mongo_db["paper_orders"].find_one({"_id": sells[0]["_id"]})
    assert sold is not None and sold["state"] == "executed" and sold["fills"][0]["price"] == 1410 * 10_000
