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

from local.simulated.activity import SimulatedActivity
from local.simulated.broker import SimulatedBroker
from local.simulated.charges import order_charges
from local.simulated.clock import previous_trading_day
from local.simulated.kite_json import kite_time, order_history_json, order_json, trade_json
from local.simulated.market import SimulatedMarket
from local.simulated.plans import CoreHolding
from local.simulated.records import DayActivity, Outcome, SimFill, SimOrder
from local.simulated.universe import (
    CLOSE_S,
    DEMO_USER_ID,
    EXCHANGE,
    INSTRUMENT_TOKENS,
    ISINS,
    MAX_HOLD,
    OPEN_S,
    SQUARE_OFF_S,
    TRADABLE,
    instrument_token,
)

__all__ = [
    "CLOSE_S",
    "DEMO_USER_ID",
    "EXCHANGE",
    "INSTRUMENT_TOKENS",
    "ISINS",
    "MAX_HOLD",
    "OPEN_S",
    "SQUARE_OFF_S",
    "TRADABLE",
    "CoreHolding",
    "DayActivity",
    "Outcome",
    "SimFill",
    "SimOrder",
    "SimulatedActivity",
    "SimulatedBroker",
    "SimulatedMarket",
    "instrument_token",
    "kite_time",
    "order_charges",
    "order_history_json",
    "order_json",
    "previous_trading_day",
    "trade_json",
]
