"""POST /charges/orders: Zerodha's charges on one equity order."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

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
