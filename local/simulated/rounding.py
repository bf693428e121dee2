"""Rounding of simulated prices and amounts: to the tick, to the paisa, to JSON numbers."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from tradetrack.market.providers.simulated import TICK

_CENT = Decimal("0.01")


def to_tick(value: Decimal | float) -> Decimal:
    ticks = (Decimal(value) / TICK).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return max(TICK, (ticks * TICK).quantize(_CENT))


def money(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def num(value: Decimal) -> float:
    return float(value)
