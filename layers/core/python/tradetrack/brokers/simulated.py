"""A simulated Zerodha account: a deterministic trading day on NSE for any user, as Kite reports it (no I/O).

Everything follows from (seed, broker user id, day): the same inputs give the same orders, fills, ids
and prices; another user gets other activity. A trading day (tradetrack.market.calendar) has MIS round
trips (long or short, closed by 15:20), CNC delivery lots (bought one day, sold 1-8 trading days
later) and a few orders cancelled or rejected without fills. An order may fill in several trades
(same order_id, distinct trade_id), all at the order's price. `now` decides what exists: an order
once placed, a fill once its time has come, so a sync every few minutes finds new ones.

Positions and holdings agree with the fills, as in Kite: positions hold today's fills only (equity
delivery moves to holdings overnight, so overnight_quantity is 0) and a row's quantity is the signed
sum of its product's fills. Holdings are a fixed long-held core plus every CNC lot bought before today
and not sold before today; a lot bought on the previous trading day is t1_quantity (T+1 settlement),
so the total held is quantity + t1_quantity, and used_quantity is what today's CNC sells took.

Prices come from one market shared by all users: a smooth daily path around BASE_PRICES, tick 0.05.
"""

from __future__ import annotations

import hashlib
import math
import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any, Literal

from tradetrack.brokers.base import Side
from tradetrack.market.calendar import is_trading_day, next_trading_day
from tradetrack.market.providers.simulated import BASE_PRICES, TICK
from tradetrack.timeutil import IST, to_ist

Outcome = Literal["COMPLETE", "CANCELLED", "REJECTED"]

DEMO_USER_ID = "TT0001"
EXCHANGE = "NSE"
OPEN_S = 9 * 3600 + 15 * 60  # 09:15 IST, in seconds of the day
CLOSE_S = 15 * 3600 + 30 * 60  # 15:30
SQUARE_OFF_S = 15 * 3600 + 20 * 60  # MIS positions are closed by 15:20
MAX_HOLD = 8  # a CNC lot is sold at most this many trading days after its purchase
_SESSION_S = CLOSE_S - OPEN_S
_EPOCH = date(2020, 1, 1)
_CENT = Decimal("0.01")

# Kite instrument tokens and ISINs of the simulated universe (the NSE symbols of BASE_PRICES).
INSTRUMENT_TOKENS: dict[str, int] = {
    "NIFTY 50": 256265,
    "NIFTY BANK": 260105,
    "RELIANCE": 738561,
    "TCS": 2953217,
    "HDFCBANK": 341249,
    "INFY": 408065,
    "ICICIBANK": 1270529,
    "SBIN": 779521,
    "BHARTIARTL": 2714625,
    "ITC": 424961,
    "HINDUNILVR": 356865,
    "KOTAKBANK": 492033,
    "LT": 2939649,
    "AXISBANK": 1510401,
    "BAJFINANCE": 81153,
    "MARUTI": 2815745,
    "SUNPHARMA": 857857,
    "HCLTECH": 1850625,
    "WIPRO": 969473,
    "ASIANPAINT": 60417,
    "TITAN": 897537,
    "NTPC": 2977281,
    "TATASTEEL": 895745,
    "M&M": 519937,
}
ISINS: dict[str, str] = {
    "RELIANCE": "INE002A01018",
    "TCS": "INE467B01029",
    "HDFCBANK": "INE040A01034",
    "INFY": "INE009A01021",
    "ICICIBANK": "INE090A01021",
    "SBIN": "INE062A01020",
    "BHARTIARTL": "INE397D01024",
    "ITC": "INE154A01025",
    "HINDUNILVR": "INE030A01027",
    "KOTAKBANK": "INE237A01028",
    "LT": "INE018A01030",
    "AXISBANK": "INE238A01034",
    "BAJFINANCE": "INE296A01032",
    "MARUTI": "INE585B01010",
    "SUNPHARMA": "INE044A01036",
    "HCLTECH": "INE860A01027",
    "WIPRO": "INE075A01022",
    "ASIANPAINT": "INE021A01026",
    "TITAN": "INE280A01028",
    "NTPC": "INE733E01010",
    "TATASTEEL": "INE081A01020",
    "M&M": "INE101A01026",
}
# What a simulated user trades: the stocks of BASE_PRICES (indices have a space in their name).
TRADABLE: tuple[str, ...] = tuple(
    key.split(":", 1)[1] for key in BASE_PRICES if key.startswith("NSE:") and " " not in key
)
_NAMES = (
    "Aarav Sharma",
    "Priya Iyer",
    "Rohan Mehta",
    "Ananya Reddy",
    "Vikram Nair",
    "Kavya Joshi",
    "Arjun Patel",
    "Meera Kulkarni",
    "Siddharth Rao",
    "Ishita Banerjee",
)


# --- deterministic randomness -------------------------------------------------------------------


def _digest(*parts: object) -> bytes:
    return hashlib.sha256("|".join(str(part) for part in parts).encode()).digest()


def _int(*parts: object) -> int:
    return int.from_bytes(_digest(*parts)[:8], "big")


def _unit(*parts: object) -> float:
    """A number in [-1, 1) from the parts."""
    return _int(*parts) / 2**63 - 1.0


def _rng(*parts: object) -> random.Random:
    return random.Random(int.from_bytes(_digest(*parts)[:16], "big"))  # noqa: S311 - a simulation


def _to_tick(value: Decimal | float) -> Decimal:
    ticks = (Decimal(value) / TICK).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return max(TICK, (ticks * TICK).quantize(_CENT))


def _money(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _num(value: Decimal) -> float:
    return float(value)


def previous_trading_day(day: date) -> date:
    """The last trading day strictly before `day`."""
    candidate = day - timedelta(days=1)
    while not is_trading_day(candidate):
        candidate -= timedelta(days=1)
    return candidate


def _trading_days_after(day: date, count: int) -> date:
    for _ in range(count):
        day = next_trading_day(day)
    return day


def _at(day: date, seconds: int) -> datetime:
    return datetime.combine(day, time(), tzinfo=IST) + timedelta(seconds=seconds)


def kite_time(moment: datetime) -> str:
    """Kite's timestamps: "YYYY-MM-DD HH:MM:SS" in IST."""
    return to_ist(moment).strftime("%Y-%m-%d %H:%M:%S")


def instrument_token(symbol: str) -> int:
    return INSTRUMENT_TOKENS.get(symbol) or 1 + _int("token", symbol) % 10_000_000


# --- the market ---------------------------------------------------------------------------------


class SimulatedMarket:
    """Prices of the NSE symbols of BASE_PRICES (trading symbols: INFY, NIFTY 50) on any day and time.

    A day's close drifts around the base price (two slow waves and a little noise, ~1% a day); the
    session goes from the open (a small gap from the previous close) to the close along a wiggly path.
    """

    _WAVES = (1, 2, 3, 5, 8, 13, 21, 34, 55)

    def __init__(self, seed: int = 7) -> None:
        self.seed = seed
        self._paths: dict[tuple[str, date], tuple[float, float, tuple[float, ...]]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def knows(symbol: str) -> bool:
        return f"{EXCHANGE}:{symbol}" in BASE_PRICES

    def _base(self, symbol: str) -> float:
        return float(BASE_PRICES[f"{EXCHANGE}:{symbol}"])

    def close(self, symbol: str, day: date) -> Decimal:
        """The closing price of `day` (a trading day)."""
        d = (day - _EPOCH).days
        drift = (
            0.05 * math.sin(2 * math.pi * d / 97 + math.pi * _unit(self.seed, symbol, "phase", 1))
            + 0.025 * math.sin(2 * math.pi * d / 23 + math.pi * _unit(self.seed, symbol, "phase", 2))
            + 0.006 * _unit(self.seed, symbol, day, "close")
        )
        return _to_tick(self._base(symbol) * (1 + drift))

    def previous_close(self, symbol: str, day: date) -> Decimal:
        return self.close(symbol, previous_trading_day(day))

    def open(self, symbol: str, day: date) -> Decimal:
        return _to_tick(
            self.previous_close(symbol, day) * Decimal(1 + 0.004 * _unit(self.seed, symbol, day, "gap"))
        )

    def _path(self, symbol: str, day: date) -> tuple[float, float, tuple[float, ...]]:
        key = (symbol, day)
        with self._lock:
            path = self._paths.get(key)
        if path is None:
            coefficients = tuple(_unit(self.seed, symbol, day, "wave", k) / k**0.6 for k in self._WAVES)
            path = (float(self.open(symbol, day)), float(self.close(symbol, day)), coefficients)
            with self._lock:
                if len(self._paths) > 20_000:
                    self._paths.clear()
                self._paths[key] = path
        return path

    def price_at(self, symbol: str, day: date, seconds: int) -> Decimal:
        """The last price at `seconds` of the day (IST) on trading day `day`."""
        if seconds <= OPEN_S:
            return self.open(symbol, day)
        if seconds >= CLOSE_S:
            return self.close(symbol, day)
        return self._price_x(symbol, day, (seconds - OPEN_S) / _SESSION_S)

    def _price_x(self, symbol: str, day: date, x: float) -> Decimal:
        opening, closing, coefficients = self._path(symbol, day)
        wiggle = sum(c * math.sin(k * math.pi * x) for c, k in zip(coefficients, self._WAVES, strict=True))
        return _to_tick(opening + (closing - opening) * x + opening * 0.004 * wiggle)

    @staticmethod
    def session(moment: datetime) -> tuple[date, int]:
        """The session a quote at `moment` shows, and the seconds of it that have passed (capped at the
        close): today's once open, else the last trading day's, whole."""
        local = to_ist(moment)
        day = local.date()
        seconds = local.hour * 3600 + local.minute * 60 + local.second
        if is_trading_day(day) and seconds >= OPEN_S:
            return day, min(seconds, CLOSE_S)
        return previous_trading_day(day), CLOSE_S

    def price(self, symbol: str, moment: datetime) -> Decimal:
        day, seconds = self.session(moment)
        return self.price_at(symbol, day, seconds)

    def ohlc(self, symbol: str, moment: datetime) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """Open, high and low of the session so far, and the previous close (Kite's ohlc.close)."""
        day, seconds = self.session(moment)
        minutes = (seconds - OPEN_S) // 60
        prices = [self.price_at(symbol, day, OPEN_S + 60 * m) for m in range(minutes + 1)]
        prices.append(self.price_at(symbol, day, seconds))
        return self.open(symbol, day), max(prices), min(prices), self.previous_close(symbol, day)

    def volume(self, symbol: str, moment: datetime) -> int:
        day, seconds = self.session(moment)
        turnover = 2e9 * (1 + 9 * (_unit(self.seed, symbol, day, "turnover") + 1) / 2)  # ₹200-2000 crore
        full_day = turnover / float(self.close(symbol, day))
        return int(full_day * ((seconds - OPEN_S) / _SESSION_S) ** 0.85)


# --- activity -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SimFill:
    trade_id: str
    order_id: str
    exchange_order_id: str
    symbol: str
    side: Side
    product: str
    quantity: int
    price: Decimal
    at: datetime


@dataclass(frozen=True)
class SimOrder:
    order_id: str
    exchange_order_id: str | None
    placed_by: str
    symbol: str
    side: Side
    product: str
    order_type: str  # MARKET or LIMIT
    quantity: int
    price: Decimal  # the limit price; 0 for a market order
    placed_at: datetime
    outcome: Outcome
    ended_at: datetime  # the last fill, the cancellation or the rejection
    fills: tuple[SimFill, ...] = ()
    status_message: str | None = None
    status_message_raw: str | None = None

    def fills_by(self, now: datetime) -> tuple[SimFill, ...]:
        now = to_ist(now)
        return tuple(fill for fill in self.fills if fill.at <= now)

    def status_at(self, now: datetime) -> str:
        if self.outcome == "REJECTED":
            return "REJECTED"
        if to_ist(now) >= self.ended_at:
            return self.outcome
        return "OPEN"


@dataclass(frozen=True)
class DayActivity:
    user_id: str
    day: date
    orders: tuple[SimOrder, ...]

    @property
    def fills(self) -> tuple[SimFill, ...]:
        every = [fill for order in self.orders for fill in order.fills]
        return tuple(sorted(every, key=lambda fill: (fill.at, fill.trade_id)))


@dataclass(frozen=True)
class _Plan:
    """An order before it has ids: seconds are of the day, IST."""

    symbol: str
    side: Side
    product: str
    order_type: str
    quantity: int
    price: Decimal
    placed_s: int
    outcome: Outcome
    ended_s: int
    fills: tuple[tuple[int, Decimal, int], ...] = ()  # (quantity, price, second)
    status_message: str | None = None
    status_message_raw: str | None = None


@dataclass(frozen=True)
class _Lot:
    key: str
    symbol: str
    quantity: int
    price: Decimal
    bought_on: date
    sell_on: date
    buy: _Plan


@dataclass(frozen=True)
class CoreHolding:
    symbol: str
    quantity: int
    average_price: Decimal


def _quantity(rng: random.Random, price: Decimal, low: float, high: float) -> int:
    """A round quantity worth between `low` and `high` rupees (log-uniform), at least one share."""
    raw = math.exp(rng.uniform(math.log(low), math.log(high))) / float(price)
    step = 50 if raw >= 500 else 10 if raw >= 100 else 5 if raw >= 20 else 1
    return max(1, round(raw / step) * step)


def _opposite(side: Side) -> Side:
    return "SELL" if side == "BUY" else "BUY"


class SimulatedBroker:
    """Kite-format orders, trades, positions and holdings of any user at any moment.

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
        self._lots: dict[tuple[str, date], tuple[_Lot, ...]] = {}
        self._lock = threading.Lock()

    # -- generation ------------------------------------------------------------------------------

    def _order(
        self,
        rng: random.Random,
        day: date,
        symbol: str,
        side: Side,
        product: str,
        quantity: int,
        placed_s: int,
        latest_s: int,
    ) -> _Plan:
        """An order that fills completely, in one to three trades, by `latest_s`."""
        placed_s = min(placed_s, latest_s)
        market = self.market.price_at(symbol, day, placed_s)
        adverse = 1 if side == "BUY" else -1
        if rng.random() < 0.5:
            order_type, limit, first_s, spread = "MARKET", Decimal(0), placed_s + rng.randint(0, 2), 3
            fill_price = _to_tick(
                self.market.price_at(symbol, day, first_s) + adverse * rng.randint(0, 1) * TICK
            )
        else:
            order_type, first_s, spread = "LIMIT", placed_s + rng.randint(1, 300), 90
            limit = fill_price = _to_tick(market - adverse * rng.randint(0, 2) * TICK)
        parts = min(quantity, rng.choices((1, 2, 3), weights=(70, 20, 10))[0])
        cuts = sorted(rng.sample(range(1, quantity), parts - 1)) if parts > 1 else []
        sizes = [b - a for a, b in zip([0, *cuts], [*cuts, quantity], strict=True)]
        fills: list[tuple[int, Decimal, int]] = []
        second = min(first_s, latest_s)
        for size in sizes:
            fills.append((size, fill_price, second))
            second = min(second + rng.randint(1, spread), latest_s)
        return _Plan(
            symbol,
            side,
            product,
            order_type,
            quantity,
            limit,
            placed_s,
            "COMPLETE",
            fills[-1][2],
            tuple(fills),
        )

    def _round_trip(self, rng: random.Random, day: date) -> list[_Plan]:
        """An MIS trade, long or short, opened and squared off the same day by 15:20."""
        symbol = rng.choice(TRADABLE)
        side: Side = "BUY" if rng.random() < 0.6 else "SELL"
        first_hour = rng.random() < 0.4
        entry_s = (
            rng.randint(OPEN_S, OPEN_S + 3600)
            if first_hour
            else rng.randint(OPEN_S + 3600, 14 * 3600 + 45 * 60)
        )
        quantity = _quantity(rng, self.market.price_at(symbol, day, entry_s), 10_000, 300_000)
        entry = self._order(rng, day, symbol, side, "MIS", quantity, entry_s, SQUARE_OFF_S - 900)
        exit_s = min(entry.ended_s + rng.randint(120, 3 * 3600), SQUARE_OFF_S - 120)
        exit_ = self._order(
            rng, day, symbol, _opposite(side), "MIS", quantity, max(exit_s, entry.ended_s + 30), SQUARE_OFF_S
        )
        return [entry, exit_]

    def _cancelled(self, rng: random.Random, day: date) -> _Plan:
        """A limit order away from the market, cancelled before it fills."""
        symbol = rng.choice(TRADABLE)
        side: Side = rng.choice(("BUY", "SELL"))
        product = rng.choice(("MIS", "CNC"))
        last_s = SQUARE_OFF_S - 300 if product == "MIS" else CLOSE_S - 300
        placed_s = rng.randint(OPEN_S, last_s)
        market = self.market.price_at(symbol, day, placed_s)
        away = Decimal(rng.randint(10, 30)) / 1000
        limit = _to_tick(market * (1 - away) if side == "BUY" else market * (1 + away))
        cancelled_s = min(placed_s + rng.randint(30, 3600), SQUARE_OFF_S if product == "MIS" else CLOSE_S - 1)
        quantity = _quantity(rng, market, 10_000, 200_000)
        return _Plan(symbol, side, product, "LIMIT", quantity, limit, placed_s, "CANCELLED", cancelled_s)

    def _rejected(self, rng: random.Random, day: date, user_id: str) -> _Plan:
        symbol = rng.choice(TRADABLE)
        side: Side = "BUY"
        product = rng.choice(("MIS", "CNC"))
        placed_s = rng.randint(OPEN_S, CLOSE_S - 600)
        market = self.market.price_at(symbol, day, placed_s)
        quantity = _quantity(rng, market, 200_000, 2_000_000)
        if rng.random() < 0.6:
            limit = _to_tick(market)
            required = _money(limit * quantity / (5 if product == "MIS" else 1))
            available = _money(required * Decimal(rng.randint(20, 90)) / 100)
            message = (
                f"Insufficient funds. Required margin is {required} but available margin is {available}. "
                "Check the orderbook for open orders."
            )
            raw = (
                f"RMS:Margin Exceeds,Required:{required}, Available:{available} for entity account-{user_id} "
                "across exchange across segment across product "
            )
        else:
            upper = _to_tick(self.market.previous_close(symbol, day) * Decimal("1.2"))
            limit = _to_tick(upper + TICK * rng.randint(1, 40))
            message = (
                f"Your order price is higher than the current upper circuit limit of {upper}. "
                "Place an order within the daily range."
            )
            raw = f"RMS:Price is beyond the upper circuit limit of {upper} for entity account-{user_id}"
        return _Plan(
            symbol, side, product, "LIMIT", quantity, limit, placed_s, "REJECTED", placed_s, (), message, raw
        )

    def _lots_bought(self, user_id: str, day: date) -> tuple[_Lot, ...]:
        """The CNC lots `user_id` buys on `day`: a function of (seed, user, day) alone."""
        key = (user_id, day)
        with self._lock:
            cached = self._lots.get(key)
        if cached is not None:
            return cached
        lots: list[_Lot] = []
        if is_trading_day(day) and self.fills_per_day[1] > 0:
            rng = _rng(self.seed, user_id, day, "lots")
            for index in range(rng.choices((0, 1, 2), weights=(50, 35, 15))[0]):
                symbol = rng.choice(TRADABLE)
                placed_s = rng.randint(OPEN_S + 300, CLOSE_S - 600)
                quantity = _quantity(rng, self.market.price_at(symbol, day, placed_s), 20_000, 200_000)
                buy = self._order(rng, day, symbol, "BUY", "CNC", quantity, placed_s, CLOSE_S - 1)
                sell_on = _trading_days_after(day, rng.randint(1, MAX_HOLD))
                lots.append(
                    _Lot(f"{day.isoformat()}/{index}", symbol, quantity, buy.fills[0][1], day, sell_on, buy)
                )
        result = tuple(lots)
        with self._lock:
            if len(self._lots) > 20_000:
                self._lots.clear()
            self._lots[key] = result
        return result

    def _recent_lots(self, user_id: str, day: date) -> list[_Lot]:
        """Lots bought in the MAX_HOLD trading days before `day`: every lot that can still be held on it."""
        lots: list[_Lot] = []
        bought_on = day
        for _ in range(MAX_HOLD):
            bought_on = previous_trading_day(bought_on)
            lots.extend(self._lots_bought(user_id, bought_on))
        return lots

    def _lot_sale(self, user_id: str, lot: _Lot) -> _Plan:
        rng = _rng(self.seed, user_id, lot.key, "sell")
        placed_s = rng.randint(OPEN_S, CLOSE_S - 600)
        return self._order(rng, lot.sell_on, lot.symbol, "SELL", "CNC", lot.quantity, placed_s, CLOSE_S - 1)

    def day(self, user_id: str, day: date) -> DayActivity:
        """Every order of `user_id` on `day`, complete (what the day will have been), in placement order."""
        key = (user_id, day)
        with self._lock:
            cached = self._days.get(key)
        if cached is not None:
            return cached
        activity = DayActivity(user_id, day, self._assign_ids(user_id, day, self._plans(user_id, day)))
        with self._lock:
            if len(self._days) > 20_000:
                self._days.clear()
            self._days[key] = activity
        return activity

    def _plans(self, user_id: str, day: date) -> list[_Plan]:
        low, high = self.fills_per_day
        if not is_trading_day(day) or high == 0:
            return []
        plans = [
            self._lot_sale(user_id, lot) for lot in self._recent_lots(user_id, day) if lot.sell_on == day
        ]
        plans.extend(lot.buy for lot in self._lots_bought(user_id, day))
        rng = _rng(self.seed, user_id, day, "day")
        target = rng.randint(low, high)
        fills = sum(len(plan.fills) for plan in plans)
        while fills < target:
            trip = self._round_trip(rng, day)
            plans.extend(trip)
            fills += sum(len(plan.fills) for plan in trip)
        plans.extend(
            self._cancelled(rng, day) for _ in range(rng.choices((0, 1, 2), weights=(45, 40, 15))[0])
        )
        plans.extend(
            self._rejected(rng, day, user_id) for _ in range(rng.choices((0, 1), weights=(65, 35))[0])
        )
        plans.sort(key=lambda plan: plan.placed_s)  # stable: ties keep their (deterministic) order
        return plans

    def _assign_ids(self, user_id: str, day: date, plans: Iterable[_Plan]) -> tuple[SimOrder, ...]:
        """Kite-like ids: order ids YYMMDD + 9 digits growing with the time placed; trade ids
        YYMMDD + second of the fill + 5 digits (unique per user and day by construction)."""
        prefix = day.strftime("%y%m%d")
        order_ids: set[str] = set()
        trade_ids: set[str] = set()
        orders: list[SimOrder] = []
        for index, plan in enumerate(plans):
            order_id = self._fresh(order_ids, prefix, plan.placed_s, 10_000, 9, user_id, day, index)
            exchange_order_id = None
            if plan.outcome != "REJECTED":
                exchange_order_id = f"1{_int(self.seed, user_id, order_id, 'exchange') % 10**15:015d}"
            fills = [
                SimFill(
                    trade_id=self._fresh(trade_ids, prefix, second, 100_000, 10, user_id, order_id, number),
                    order_id=order_id,
                    exchange_order_id=str(exchange_order_id),
                    symbol=plan.symbol,
                    side=plan.side,
                    product=plan.product,
                    quantity=quantity,
                    price=price,
                    at=_at(day, second),
                )
                for number, (quantity, price, second) in enumerate(plan.fills)
            ]
            orders.append(
                SimOrder(
                    order_id=order_id,
                    exchange_order_id=exchange_order_id,
                    placed_by=user_id,
                    symbol=plan.symbol,
                    side=plan.side,
                    product=plan.product,
                    order_type=plan.order_type,
                    quantity=plan.quantity,
                    price=plan.price,
                    placed_at=_at(day, plan.placed_s),
                    outcome=plan.outcome,
                    ended_at=_at(day, plan.ended_s),
                    fills=tuple(fills),
                    status_message=plan.status_message,
                    status_message_raw=plan.status_message_raw,
                )
            )
        return tuple(orders)

    def _fresh(
        self, taken: set[str], prefix: str, second: int, spread: int, width: int, *parts: object
    ) -> str:
        """prefix + (second * spread + a hash below spread), zero-padded to `width`, not yet in `taken`."""
        salt = 0
        while (
            candidate := f"{prefix}{second * spread + _int(self.seed, *parts, salt) % spread:0{width}d}"
        ) in taken:
            salt += 1
        taken.add(candidate)
        return candidate

    def core_holdings(self, user_id: str) -> tuple[CoreHolding, ...]:
        """Stocks `user_id` has held since before the simulation began (never sold)."""
        if self.fills_per_day[1] == 0:
            return ()
        rng = _rng(self.seed, user_id, "core")
        holdings = []
        for symbol in sorted(rng.sample(TRADABLE, rng.randint(2, 5))):
            base = BASE_PRICES[f"{EXCHANGE}:{symbol}"]
            average = _to_tick(base * Decimal(rng.randint(70, 105)) / 100)
            holdings.append(CoreHolding(symbol, _quantity(rng, base, 25_000, 250_000), average))
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

    # -- Kite v3 JSON ----------------------------------------------------------------------------

    def orders(self, user_id: str, now: datetime) -> list[dict[str, Any]]:
        """GET /orders."""
        return [order_json(order, now) for order in self.orders_at(user_id, now)]

    def trades(self, user_id: str, now: datetime) -> list[dict[str, Any]]:
        """GET /trades."""
        return [trade_json(fill) for fill in self.fills_at(user_id, now)]

    def order_trades(self, user_id: str, order_id: str, now: datetime) -> list[dict[str, Any]] | None:
        """GET /orders/{order_id}/trades; None when there is no such order (yet)."""
        order = self.find_order(user_id, order_id, now)
        return None if order is None else [trade_json(fill) for fill in order.fills_by(now)]

    def order_history(self, user_id: str, order_id: str, now: datetime) -> list[dict[str, Any]] | None:
        """GET /orders/{order_id}; None when there is no such order (yet)."""
        order = self.find_order(user_id, order_id, now)
        return None if order is None else order_history_json(order, now)

    def positions(self, user_id: str, now: datetime) -> dict[str, list[dict[str, Any]]]:
        """GET /portfolio/positions: net and day are the same rows (no equity position is carried)."""
        fills = self.fills_at(user_id, now)
        groups: dict[tuple[str, str], list[SimFill]] = {}
        for fill in fills:
            groups.setdefault((fill.symbol, fill.product), []).append(fill)
        rows = [
            self._position_json(symbol, product, group, now) for (symbol, product), group in groups.items()
        ]
        return {"net": rows, "day": [dict(row) for row in rows]}

    def _position_json(
        self, symbol: str, product: str, fills: list[SimFill], now: datetime
    ) -> dict[str, Any]:
        bought = sum(fill.quantity for fill in fills if fill.side == "BUY")
        sold = sum(fill.quantity for fill in fills if fill.side == "SELL")
        buy_value = sum((fill.price * fill.quantity for fill in fills if fill.side == "BUY"), Decimal(0))
        sell_value = sum((fill.price * fill.quantity for fill in fills if fill.side == "SELL"), Decimal(0))
        buy_price = _money(buy_value / bought) if bought else Decimal(0)
        sell_price = _money(sell_value / sold) if sold else Decimal(0)
        quantity = bought - sold
        average = buy_price if quantity > 0 else sell_price if quantity < 0 else Decimal(0)
        last = self.market.price(symbol, now)
        value = sell_value - buy_value
        pnl = value + quantity * last
        return {
            "tradingsymbol": symbol,
            "exchange": EXCHANGE,
            "instrument_token": instrument_token(symbol),
            "product": product,
            "quantity": quantity,
            "overnight_quantity": 0,
            "multiplier": 1,
            "average_price": _num(average),
            "close_price": _num(self.market.previous_close(symbol, to_ist(now).date())),
            "last_price": _num(last),
            "value": _num(value),
            "pnl": _num(pnl),
            "m2m": _num(pnl),
            "unrealised": _num(pnl),
            "realised": 0,
            "buy_quantity": bought,
            "buy_price": _num(buy_price),
            "buy_value": _num(buy_value),
            "buy_m2m": _num(buy_value),
            "sell_quantity": sold,
            "sell_price": _num(sell_price),
            "sell_value": _num(sell_value),
            "sell_m2m": _num(sell_value),
            "day_buy_quantity": bought,
            "day_buy_price": _num(buy_price),
            "day_buy_value": _num(buy_value),
            "day_sell_quantity": sold,
            "day_sell_price": _num(sell_price),
            "day_sell_value": _num(sell_value),
        }

    def holdings(self, user_id: str, now: datetime) -> list[dict[str, Any]]:
        """GET /portfolio/holdings: the core plus the CNC lots bought before today and not sold before it."""
        today = to_ist(now).date()
        settled: dict[str, int] = {}
        unsettled: dict[str, int] = {}
        cost: dict[str, Decimal] = {}
        for core in self.core_holdings(user_id):
            settled[core.symbol] = settled.get(core.symbol, 0) + core.quantity
            cost[core.symbol] = cost.get(core.symbol, Decimal(0)) + core.average_price * core.quantity
        for lot in self._recent_lots(user_id, today):
            if lot.sell_on < today:
                continue
            bucket = unsettled if today <= next_trading_day(lot.bought_on) else settled
            bucket[lot.symbol] = bucket.get(lot.symbol, 0) + lot.quantity
            cost[lot.symbol] = cost.get(lot.symbol, Decimal(0)) + lot.price * lot.quantity
        used: dict[str, int] = {}
        for fill in self.fills_at(user_id, now):
            if fill.product == "CNC" and fill.side == "SELL":
                used[fill.symbol] = used.get(fill.symbol, 0) + fill.quantity
        session, _ = self.market.session(now)
        rows = []
        for symbol in sorted(cost):
            quantity, t1 = settled.get(symbol, 0), unsettled.get(symbol, 0)
            average = _money(cost[symbol] / (quantity + t1))
            last = self.market.price(symbol, now)
            close = self.market.previous_close(symbol, session)
            change = last - close
            rows.append(
                {
                    "tradingsymbol": symbol,
                    "exchange": EXCHANGE,
                    "instrument_token": instrument_token(symbol),
                    "isin": ISINS.get(symbol, ""),
                    "product": "CNC",
                    "price": 0,
                    "quantity": quantity,
                    "used_quantity": used.get(symbol, 0),
                    "t1_quantity": t1,
                    "realised_quantity": quantity,
                    "authorised_quantity": 0,
                    "authorised_date": f"{today.isoformat()} 00:00:00",
                    "authorisation": {},
                    "opening_quantity": quantity + t1,
                    "short_quantity": 0,
                    "collateral_quantity": 0,
                    "collateral_type": "",
                    "discrepancy": False,
                    "average_price": _num(average),
                    "last_price": _num(last),
                    "close_price": _num(close),
                    "pnl": _num(_money((last - average) * (quantity + t1))),
                    "day_change": _num(change),
                    "day_change_percentage": float(change / close * 100),
                    "mtf": {
                        "quantity": 0,
                        "used_quantity": 0,
                        "average_price": 0,
                        "value": 0,
                        "initial_margin": 0,
                    },
                }
            )
        return rows

    def profile(self, user_id: str) -> dict[str, Any]:
        """GET /user/profile."""
        name = "Demo Trader" if user_id == DEMO_USER_ID else _NAMES[_int("name", user_id) % len(_NAMES)]
        return {
            "user_id": user_id,
            "user_type": "individual",
            "email": f"{user_id.lower()}@example.com",
            "user_name": name,
            "user_shortname": name.split()[0],
            "broker": "ZERODHA",
            "exchanges": ["BFO", "MCX", "NSE", "CDS", "BSE", "BCD", "MF", "NFO"],
            "products": ["CNC", "NRML", "MIS", "BO", "CO"],
            "order_types": ["MARKET", "LIMIT", "SL", "SL-M"],
            "avatar_url": None,
            "meta": {"demat_consent": "physical"},
        }

    def _symbol(self, instrument: str) -> str | None:
        exchange, _, symbol = instrument.partition(":")
        return symbol if exchange == EXCHANGE and self.market.knows(symbol) else None

    def ltp(self, instrument: str, now: datetime) -> dict[str, Any] | None:
        """One entry of GET /quote/ltp ("NSE:INFY"); None for an instrument it does not know."""
        symbol = self._symbol(instrument)
        if symbol is None:
            return None
        return {
            "instrument_token": instrument_token(symbol),
            "last_price": _num(self.market.price(symbol, now)),
        }

    def ohlc(self, instrument: str, now: datetime) -> dict[str, Any] | None:
        """One entry of GET /quote/ohlc."""
        symbol = self._symbol(instrument)
        if symbol is None:
            return None
        opening, high, low, close = self.market.ohlc(symbol, now)
        return {
            "instrument_token": instrument_token(symbol),
            "last_price": _num(self.market.price(symbol, now)),
            "ohlc": {"open": _num(opening), "high": _num(high), "low": _num(low), "close": _num(close)},
        }

    def quote(self, instrument: str, now: datetime) -> dict[str, Any] | None:
        """One entry of GET /quote: the full quote, with a five-level order book around the last price."""
        symbol = self._symbol(instrument)
        if symbol is None:
            return None
        opening, high, low, close = self.market.ohlc(symbol, now)
        last = self.market.price(symbol, now)
        session, seconds = self.market.session(now)
        rng = _rng(self.seed, symbol, kite_time(now), "depth")
        buy = [
            {
                "price": _num(last - TICK * (level + 1)),
                "quantity": rng.randint(1, 2000),
                "orders": rng.randint(1, 25),
            }
            for level in range(5)
        ]
        sell = [
            {
                "price": _num(last + TICK * level),
                "quantity": rng.randint(1, 2000),
                "orders": rng.randint(1, 25),
            }
            for level in range(5)
        ]
        if " " in symbol:  # an index has no order book
            buy = sell = [{"price": 0, "quantity": 0, "orders": 0} for _ in range(5)]
        last_trade = _at(session, max(OPEN_S, seconds - rng.randint(0, 3)))
        return {
            "instrument_token": instrument_token(symbol),
            "timestamp": kite_time(now),
            "last_trade_time": kite_time(last_trade),
            "last_price": _num(last),
            "last_quantity": rng.randint(1, 100),
            "buy_quantity": sum(int(level["quantity"]) for level in buy),
            "sell_quantity": sum(int(level["quantity"]) for level in sell),
            "volume": self.market.volume(symbol, now),
            "average_price": _num(_to_tick((opening + high + low + last) / 4)),
            "oi": 0,
            "oi_day_high": 0,
            "oi_day_low": 0,
            "net_change": _num(last - close),
            "lower_circuit_limit": _num(_to_tick(close * Decimal("0.8"))),
            "upper_circuit_limit": _num(_to_tick(close * Decimal("1.2"))),
            "ohlc": {"open": _num(opening), "high": _num(high), "low": _num(low), "close": _num(close)},
            "depth": {"buy": buy, "sell": sell},
        }


# --- JSON of one order or trade -----------------------------------------------------------------


def trade_json(fill: SimFill) -> dict[str, Any]:
    return {
        "trade_id": fill.trade_id,
        "order_id": fill.order_id,
        "exchange": EXCHANGE,
        "tradingsymbol": fill.symbol,
        "instrument_token": instrument_token(fill.symbol),
        "product": fill.product,
        "average_price": _num(fill.price),
        "quantity": fill.quantity,
        "exchange_order_id": fill.exchange_order_id,
        "transaction_type": fill.side,
        "fill_timestamp": kite_time(fill.at),
        "order_timestamp": to_ist(fill.at).strftime("%H:%M:%S"),
        "exchange_timestamp": kite_time(fill.at),
    }


def _state(order: SimOrder, status: str, fills: tuple[SimFill, ...], updated: datetime) -> dict[str, Any]:
    filled = sum(fill.quantity for fill in fills)
    average = (
        sum((fill.price * fill.quantity for fill in fills), Decimal(0)) / filled if filled else Decimal(0)
    )
    accepted = order.exchange_order_id is not None and status not in {
        "PUT ORDER REQ RECEIVED",
        "VALIDATION PENDING",
        "OPEN PENDING",
    }
    return {
        "account_id": order.placed_by,
        "placed_by": order.placed_by,
        "order_id": order.order_id,
        "exchange_order_id": order.exchange_order_id if accepted else None,
        "parent_order_id": None,
        "status": status,
        "status_message": order.status_message if status == "REJECTED" else None,
        "status_message_raw": order.status_message_raw if status == "REJECTED" else None,
        "order_timestamp": kite_time(order.placed_at),
        "exchange_update_timestamp": kite_time(updated) if accepted else None,
        "exchange_timestamp": kite_time(order.placed_at) if accepted else None,
        "variety": "regular",
        "modified": False,
        "exchange": EXCHANGE,
        "tradingsymbol": order.symbol,
        "instrument_token": instrument_token(order.symbol),
        "order_type": order.order_type,
        "transaction_type": order.side,
        "validity": "DAY",
        "validity_ttl": 0,
        "product": order.product,
        "quantity": order.quantity,
        "disclosed_quantity": 0,
        "price": _num(order.price),
        "trigger_price": 0,
        "average_price": _num(_money(average)),
        "filled_quantity": filled,
        # As Kite reports them: a cancelled order keeps its pending quantity and shows it cancelled too.
        "pending_quantity": 0 if status in {"COMPLETE", "REJECTED"} else order.quantity - filled,
        "cancelled_quantity": order.quantity - filled if status == "CANCELLED" else 0,
        "market_protection": 0,
        "meta": {},
        "tag": None,
        "guid": None,
    }


def order_json(order: SimOrder, now: datetime) -> dict[str, Any]:
    """One order of GET /orders as it stands at `now`."""
    now = to_ist(now)
    fills = order.fills_by(now)
    status = order.status_at(now)
    updated = order.ended_at if status != "OPEN" else (fills[-1].at if fills else order.placed_at)
    return _state(order, status, fills, updated)


_HISTORY_KEYS = (
    "average_price", "cancelled_quantity", "disclosed_quantity", "exchange", "exchange_order_id",
    "exchange_timestamp", "filled_quantity", "instrument_token", "order_id", "order_timestamp", "order_type",
    "parent_order_id", "pending_quantity", "placed_by", "price", "product", "quantity", "status",
    "status_message", "tag", "tradingsymbol", "transaction_type", "trigger_price", "validity", "variety",
    "modified",
)  # fmt: skip


def order_history_json(order: SimOrder, now: datetime) -> list[dict[str, Any]]:
    """GET /orders/{order_id}: every state the order went through up to `now`, oldest first."""
    now = to_ist(now)
    states: list[tuple[str, tuple[SimFill, ...], datetime]] = [
        (status, (), order.placed_at) for status in ("PUT ORDER REQ RECEIVED", "VALIDATION PENDING")
    ]
    if order.outcome == "REJECTED":
        states.append(("REJECTED", (), order.ended_at))
    else:
        states += [("OPEN PENDING", (), order.placed_at), ("OPEN", (), order.placed_at)]
        done = order.fills_by(now)
        for count in range(1, len(done) + (0 if order.status_at(now) == "COMPLETE" else 1)):
            states.append(("OPEN", done[:count], done[count - 1].at))
        if order.status_at(now) == "COMPLETE":
            states.append(("COMPLETE", done, order.ended_at))
        elif order.status_at(now) == "CANCELLED":
            states += [("CANCEL PENDING", done, order.ended_at), ("CANCELLED", done, order.ended_at)]
    history = []
    for status, fills, updated in states:
        state = _state(order, status, fills, updated)
        history.append({key: state[key] for key in _HISTORY_KEYS})
    return history


# --- charges ------------------------------------------------------------------------------------

# Zerodha's equity rates: brokerage 0.03% capped at ₹20 intraday, free delivery; STT 0.1% both sides
# on delivery, 0.025% on intraday sells; NSE transaction charge 0.00297% (BSE 0.00375%); SEBI ₹10 a
# crore; stamp duty on buys 0.015% delivery, 0.003% intraday; GST 18% on brokerage + exchange + SEBI.
_RATES = {
    "brokerage": Decimal("0.0003"),
    "brokerage_cap": Decimal(20),
    "stt_delivery": Decimal("0.001"),
    "stt_intraday_sell": Decimal("0.00025"),
    "exchange_NSE": Decimal("0.0000297"),
    "exchange_BSE": Decimal("0.0000375"),
    "sebi": Decimal("0.000001"),
    "stamp_delivery": Decimal("0.00015"),
    "stamp_intraday": Decimal("0.00003"),
    "gst": Decimal("0.18"),
}
_CHARGE_PLACES = Decimal("0.00000001")


def order_charges(*, exchange: str, product: str, side: str, quantity: int, price: Decimal) -> dict[str, Any]:
    """The "charges" object of POST /charges/orders for one equity order."""
    turnover = price * quantity
    delivery = product == "CNC"
    brokerage = Decimal(0) if delivery else min(turnover * _RATES["brokerage"], _RATES["brokerage_cap"])
    if delivery:
        stt = turnover * _RATES["stt_delivery"]
    else:
        stt = turnover * _RATES["stt_intraday_sell"] if side == "SELL" else Decimal(0)
    exchange_charge = turnover * _RATES["exchange_BSE" if exchange == "BSE" else "exchange_NSE"]
    sebi = turnover * _RATES["sebi"]
    stamp = (
        turnover * _RATES["stamp_delivery" if delivery else "stamp_intraday"] if side == "BUY" else Decimal(0)
    )
    gst = (brokerage + exchange_charge + sebi) * _RATES["gst"]
    total = brokerage + stt + exchange_charge + sebi + stamp + gst

    def number(value: Decimal) -> float:
        return float(value.quantize(_CHARGE_PLACES, rounding=ROUND_HALF_UP))

    return {
        "transaction_tax": number(stt),
        "transaction_tax_type": "stt",
        "exchange_turnover_charge": number(exchange_charge),
        "sebi_turnover_charge": number(sebi),
        "brokerage": number(brokerage),
        "stamp_duty": number(stamp),
        "gst": {"igst": number(gst), "cgst": 0, "sgst": 0, "total": number(gst)},
        "total": number(total),
    }
