"""SimulatedBroker: a simulated Zerodha account answering Kite v3's reads for any user at any moment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from local.simulated.activity import SimulatedActivity
from local.simulated.kite_json import order_history_json, order_json, trade_json
from local.simulated.portfolio_json import holdings_json, positions_json
from local.simulated.profile_json import profile_json
from local.simulated.quote_json import ltp_json, ohlc_json, quote_json
from local.simulated.universe import EXCHANGE
from tradetrack.timeutil import to_ist


class SimulatedBroker(SimulatedActivity):
    """Kite-format orders, trades, positions and holdings of any user at any moment.

    `fills_per_day` bounds the fills a trading day aims at (the last round trip or a CNC sell may
    go a few past the upper bound); (0, 0) makes users that never trade.
    """

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
        return positions_json(self.market, self.fills_at(user_id, now), now)

    def holdings(self, user_id: str, now: datetime) -> list[dict[str, Any]]:
        """GET /portfolio/holdings: the core plus the CNC lots bought before today and not sold before it."""
        core = self.core_holdings(user_id)
        lots = self._recent_lots(user_id, to_ist(now).date())
        return holdings_json(self.market, core, lots, self.fills_at(user_id, now), now)

    def profile(self, user_id: str) -> dict[str, Any]:
        """GET /user/profile."""
        return profile_json(user_id)

    def _symbol(self, instrument: str) -> str | None:
        exchange, _, symbol = instrument.partition(":")
        return symbol if exchange == EXCHANGE and self.market.knows(symbol) else None

    def ltp(self, instrument: str, now: datetime) -> dict[str, Any] | None:
        """One entry of GET /quote/ltp ("NSE:INFY"); None for an instrument it does not know."""
        symbol = self._symbol(instrument)
        return None if symbol is None else ltp_json(self.market, symbol, now)

    def ohlc(self, instrument: str, now: datetime) -> dict[str, Any] | None:
        """One entry of GET /quote/ohlc."""
        symbol = self._symbol(instrument)
        return None if symbol is None else ohlc_json(self.market, symbol, now)

    def quote(self, instrument: str, now: datetime) -> dict[str, Any] | None:
        """One entry of GET /quote: the full quote, with a five-level order book around the last price."""
        symbol = self._symbol(instrument)
        return None if symbol is None else quote_json(self.market, self.seed, symbol, now)
