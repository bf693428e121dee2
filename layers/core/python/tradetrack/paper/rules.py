"""Paper trading's settings as one value (from tradetrack.config, read once; tests pass their own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from tradetrack.config import get_settings


@dataclass(frozen=True)
class Rules:
    leverage: int = 5  # MIS margin = value / leverage
    slippage_bps_per_lot: int = 0  # a market fill's price moves this many bps per lot of depth
    slippage_lot: int = 100
    tick_volume: int = 0  # what one tick offers an instrument's side; 0: unlimited
    squareoff: time = time(15, 20)  # IST: MIS positions squared off, live MIS orders canceled
    stopout_pct: int = 100  # an MIS position's loss at this % of its margin: sold at market
    # Fills only while the market is open (deployed: PAPER_MARKET_HOURS, on); a Rules() built by a
    # test fills at any hour unless it asks for market hours
    market_hours: bool = False

    @classmethod
    def from_settings(cls) -> Rules:
        settings = get_settings()
        hour, minute = (int(part) for part in settings.paper_mis_squareoff_ist.split(":"))
        return cls(
            leverage=settings.paper_mis_leverage,
            slippage_bps_per_lot=settings.paper_slippage_bps_per_lot,
            slippage_lot=settings.paper_slippage_lot,
            tick_volume=settings.paper_tick_volume,
            squareoff=time(hour, minute),
            stopout_pct=settings.paper_mis_stopout_pct,
            market_hours=settings.paper_market_hours,
        )


def rules_or_settings(rules: Rules | None) -> Rules:
    return rules if rules is not None else Rules.from_settings()
