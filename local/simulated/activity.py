"""The trading days of simulated users: every order, fill and CNC lot, and what of it exists at `now`."""

from __future__ import annotations

import threading
from datetime import date, datetime
from decimal import Decimal

from local.simulated.clock import previous_trading_day, trading_days_after
from local.simulated.determinism import seeded_rng
from local.simulated.ids import assign_ids
from local.simulated.market import SimulatedMarket
from local.simulated.plans import (
    CoreHolding,
    Lot,
    Plan,
    plan_cancelled,
    plan_order,
    plan_rejected,
    plan_round_trip,
    quantity_worth,
)
from local.simulated.records import DayActivity, SimFill, SimOrder
from local.simulated.rounding import to_tick
from local.simulated.universe import CLOSE_S, EXCHANGE, MAX_HOLD, OPEN_S, TRADABLE
from tradetrack.market.calendar import is_trading_day
from tradetrack.market.providers.simulated import BASE_PRICES
from tradetrack.timeutil import to_ist


class SimulatedActivity:
    """The orders, fills and holdings of any user on any day: a function of (seed, user, day) alone.

    `fills_per_day` bounds the fills a trading day aims at (the last round trip or a CNC sell may
    go a few past the upper bound); (0, 0) makes users that never trade.
    """

    def __init__(self, seed: int = 7, *, fills_per_day: tuple[int, int] = (5, 30)) -> None:
        low, high = fills_per_day
        if not 0 <= low <= high:
            raise ValueError("fills_per_day must be (low, high) with 0 <= low <= high")
        self.seed = seed
        self.fills_per_day = fills_per_day
        self.market = SimulatedMarket(seed)
        self._days: dict[tuple[str, date], DayActivity] = {}
        self._lots: dict[tuple[str, date], tuple[Lot, ...]] = {}
        self._lock = threading.Lock()

    # -- generation ------------------------------------------------------------------------------

    def _lots_bought(self, user_id: str, day: date) -> tuple[Lot, ...]:
        """The CNC lots `user_id` buys on `day`: a function of (seed, user, day) alone."""
        key = (user_id, day)
        with self._lock:
            cached = self._lots.get(key)
        if cached is not None:
            return cached
        lots: list[Lot] = []
        if is_trading_day(day) and self.fills_per_day[1] > 0:
            rng = seeded_rng(self.seed, user_id, day, "lots")
            for index in range(rng.choices((0, 1, 2), weights=(50, 35, 15))[0]):
                symbol = rng.choice(TRADABLE)
                placed_s = rng.randint(OPEN_S + 300, CLOSE_S - 600)
                quantity = quantity_worth(rng, self.market.price_at(symbol, day, placed_s), 20_000, 200_000)
                buy = plan_order(self.market, rng, day, symbol, "BUY", "CNC", quantity, placed_s, CLOSE_S - 1)
                sell_on = trading_days_after(day, rng.randint(1, MAX_HOLD))
                lots.append(
                    Lot(f"{day.isoformat()}/{index}", symbol, quantity, buy.fills[0][1], day, sell_on, buy)
                )
        result = tuple(lots)
        with self._lock:
            if len(self._lots) > 20_000:
                self._lots.clear()
            self._lots[key] = result
        return result

    def _recent_lots(self, user_id: str, day: date) -> list[Lot]:
        """Lots bought in the MAX_HOLD trading days before `day`: every lot that can still be held on it."""
        lots: list[Lot] = []
        bought_on = day
        for _ in range(MAX_HOLD):
            bought_on = previous_trading_day(bought_on)
            lots.extend(self._lots_bought(user_id, bought_on))
        return lots

    def _lot_sale(self, user_id: str, lot: Lot) -> Plan:
        rng = seeded_rng(self.seed, user_id, lot.key, "sell")
        placed_s = rng.randint(OPEN_S, CLOSE_S - 600)
        return plan_order(
            self.market, rng, lot.sell_on, lot.symbol, "SELL", "CNC", lot.quantity, placed_s, CLOSE_S - 1
        )

    def day(self, user_id: str, day: date) -> DayActivity:
        """Every order of `user_id` on `day`, complete (what the day will have been), in placement order."""
        key = (user_id, day)
        with self._lock:
            cached = self._days.get(key)
        if cached is not None:
            return cached
        activity = DayActivity(user_id, day, assign_ids(self.seed, user_id, day, self._plans(user_id, day)))
        with self._lock:
            if len(self._days) > 20_000:
                self._days.clear()
            self._days[key] = activity
        return activity

    def _plans(self, user_id: str, day: date) -> list[Plan]:
        low, high = self.fills_per_day
        if not is_trading_day(day) or high == 0:
            return []
        plans = [
            self._lot_sale(user_id, lot) for lot in self._recent_lots(user_id, day) if lot.sell_on == day
        ]
        plans.extend(lot.buy for lot in self._lots_bought(user_id, day))
        rng = seeded_rng(self.seed, user_id, day, "day")
        target = rng.randint(low, high)
        fills = sum(len(plan.fills) for plan in plans)
        while fills < target:
            trip = plan_round_trip(self.market, rng, day)
            plans.extend(trip)
            fills += sum(len(plan.fills) for plan in trip)
        plans.extend(
            plan_cancelled(self.market, rng, day)
            for _ in range(rng.choices((0, 1, 2), weights=(45, 40, 15))[0])
        )
        plans.extend(
            plan_rejected(self.market, rng, day, user_id)
            for _ in range(rng.choices((0, 1), weights=(65, 35))[0])
        )
        plans.sort(key=lambda plan: plan.placed_s)  # stable: ties keep their (deterministic) order
        return plans

    def core_holdings(self, user_id: str) -> tuple[CoreHolding, ...]:
        """Stocks `user_id` has held since before the simulation began (never sold)."""
        if self.fills_per_day[1] == 0:
            return ()
        rng = seeded_rng(self.seed, user_id, "core")
        holdings = []
        for symbol in sorted(rng.sample(TRADABLE, rng.randint(2, 5))):
            base = BASE_PRICES[f"{EXCHANGE}:{symbol}"]
            average = to_tick(base * Decimal(rng.randint(70, 105)) / 100)
            holdings.append(CoreHolding(symbol, quantity_worth(rng, base, 25_000, 250_000), average))
        return tuple(holdings)

    # -- what is visible at `now` ----------------------------------------------------------------

    def orders_at(self, user_id: str, now: datetime) -> list[SimOrder]:
        """Today's orders (IST) placed by `now`; none on weekends and NSE holidays. A naive `now` is IST."""
        now = to_ist(now)
        return [order for order in self.day(user_id, now.date()).orders if order.placed_at <= now]

    def fills_at(self, user_id: str, now: datetime) -> list[SimFill]:
        now = to_ist(now)
        return [fill for fill in self.day(user_id, now.date()).fills if fill.at <= now]

    def find_order(self, user_id: str, order_id: str, now: datetime) -> SimOrder | None:
        return next((order for order in self.orders_at(user_id, now) if order.order_id == order_id), None)
