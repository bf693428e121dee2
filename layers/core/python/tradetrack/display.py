"""Numbers and alert sentences for people: Indian digit grouping, amounts to the paisa, prices at
their tick precision. One wording for an alert wherever it is read (the WebSocket frame, the inbox,
email and SMS), so the market feed and the notifier share it without importing each other."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

PAISA = Decimal("0.01")


def group_indian(digits: str) -> str:
    """ "1234567" → "12,34,567" (the last three digits, then pairs)."""
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    pairs: list[str] = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return ",".join([head, *pairs, tail]) if head else ",".join([*pairs, tail])


def _grouped(value: Decimal, places: int) -> str:
    """|value| with `places` decimals (rounded half up) and Indian grouping: "12,34,567.50"."""
    text = f"{abs(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):.{places}f}"
    whole, _, fraction = text.partition(".")
    return f"{group_indian(whole)}.{fraction}" if fraction else group_indian(whole)


def amount(value: Decimal, *, symbol: str = "₹") -> str:
    """An INR amount for people, to the paisa: "₹1,23,456.50", "-₹66.92" (an amount that rounds
    to zero has no sign: "₹0.00")."""
    rounded = value.quantize(PAISA, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    return f"{sign}{symbol}{_grouped(rounded, 2)}"


def price(value: Decimal) -> str:
    """A price as quoted, grouped, at least two and at most four decimals: "1,502.35", "82.1225"."""
    exponent = value.normalize().as_tuple().exponent
    places = min(4, max(2, -exponent)) if isinstance(exponent, int) else 2
    sign = "-" if value < 0 else ""
    return f"{sign}{_grouped(value, places)}"


def percent(value: Decimal) -> str:
    """A percentage to two decimals with its sign: "+3.10%", "-0.50%"."""
    rounded = value.quantize(PAISA, rounding=ROUND_HALF_UP)
    return f"{'+' if rounded > 0 else '-' if rounded < 0 else ''}{abs(rounded):.2f}%"


_CROSSED = {"above": "crossed above", "below": "crossed below"}
PERCENT_CONDITIONS = ("pct_change_above", "pct_change_below")


def alert_sentence(
    symbol: str, condition: str, level: Decimal, last: Decimal, change_pct: Decimal | None
) -> str | None:
    """What crossed what: "NSE:INFY crossed above 1,500.00 at 1,502.35"; for a percent-change alert
    "NSE:INFY is up 3.10% on the day (alert at +3.00%), at 1,502.35". None for a condition this
    does not know (or a percent alert without its change)."""
    if condition in _CROSSED:
        return f"{symbol} {_CROSSED[condition]} {price(level)} at {price(last)}"
    if condition in PERCENT_CONDITIONS and change_pct is not None:
        moved = "up" if change_pct >= 0 else "down"
        return (
            f"{symbol} is {moved} {percent(abs(change_pct)).lstrip('+')} on the day "
            f"(alert at {percent(level)}), at {price(last)}"
        )
    return None
