"""Exact money: INR amounts stored in Mongo as integers scaled by 10^4, decimal strings in JSON."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

SCALE = 10_000
_QUANTUM = Decimal("0.0001")


def to_scaled(amount: Decimal) -> int:
    """Decimal INR → integer paise/100 (4 decimal places), rounding half to even."""
    return int((amount.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN) * SCALE).to_integral_exact())


def from_scaled(value: int) -> Decimal:
    return (Decimal(value) / SCALE).quantize(_QUANTUM)


def money_str(value: int) -> str:
    """Scaled integer → canonical decimal string ("420.65", "1000", "-0.5")."""
    return format(from_scaled(value).normalize(), "f")


def optional_money_str(value: int | None) -> str | None:
    return None if value is None else money_str(value)


def rounded_average(value: int, quantity: int) -> int:
    """value / quantity, rounded half-even to the scale: for display (P&L uses exact sums)."""
    quotient, remainder = divmod(value, quantity)
    twice = 2 * remainder
    if twice > quantity or (twice == quantity and quotient % 2):
        quotient += 1
    return quotient
