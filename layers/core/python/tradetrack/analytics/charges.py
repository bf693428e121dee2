"""Indian transaction charges, kept as data with effective dates: a rate change is a data change.

How charges combine (the rule every analytics figure uses):
- A trade whose executions carried fees (the broker's exact figures — Kite's /charges/orders, a
  contract note, or fees typed in by hand) keeps them: `trade.charges` > 0 is the broker's word.
- A trade whose executions carried no fees at all (`trade.charges` == 0; an execution without
  `fees` stores 0) gets the schedule's estimate below, computed per leg at that leg's date.
  A trade is never charged twice: it is one or the other, never a sum.

The schedule is that of a discount broker on NSE (Zerodha's published tariff is the model):
- brokerage: equity delivery free; intraday and futures 0.03% capped at ₹20 per executed order;
  options ₹20 flat per executed order. One order per leg is assumed (entry and exit), since a
  trade document does not keep the number of orders.
- STT (Finance Act; Finance (No. 2) Act 2024 from 1 Oct 2024): delivery 0.1% on buy and sell;
  intraday 0.025% on sell; futures 0.0125% → 0.02% on sell; options 0.0625% → 0.1% of premium on
  sell. STT on exercised options (on intrinsic value) is not modelled.
- exchange transaction charges (NSE; SEBI's "true to label" circular, revised 1 Oct 2024):
  equity 0.00322% → 0.00297%; futures 0.0019% → 0.00173%; options 0.05% → 0.03503% of premium.
- SEBI turnover fee: ₹10 per crore (0.0001%) on both sides.
- stamp duty (Indian Stamp Act amendments, uniform from 1 Jul 2020), buy side only: delivery
  0.015%, intraday 0.003%, futures 0.002%, options 0.003% of premium.
- GST: 18% of brokerage + exchange transaction charges + SEBI fee.
Not modelled: DP charges on delivery sells and IPFT (broker/depository specific), statutory
rounding of STT and stamp duty to the rupee (we keep 4 decimals), and segment differences for
currency and commodity derivatives (they use the F&O rows). Rates are parts per 10^8 of turnover
so every figure is an exact integer computation on scaled money.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

Kind = Literal["equity_delivery", "equity_intraday", "futures", "options"]
PPM8 = 100_000_000  # rates are parts per 10^8
SCHEDULE_VERSION = "2024-10-01.1"  # part of the analytics cache key: a rate change invalidates it


@dataclass(frozen=True)
class Rates:
    effective_from: date
    brokerage: int  # parts per 10^8 of the order's turnover (0: none)
    brokerage_cap: int  # scaled 10^4 INR per order (0: no cap)
    brokerage_flat: int  # scaled 10^4 INR per order, instead of the percentage when > 0
    stt_buy: int
    stt_sell: int
    exchange: int
    sebi: int
    stamp_buy: int
    gst: int  # parts per 10^8 of (brokerage + exchange + SEBI)


_RS20 = 20 * 10_000
_GST = 18_000_000  # 18%
_SEBI = 100  # ₹10 per crore
_START = date(2020, 7, 1)
_TRUE_TO_LABEL = date(2024, 10, 1)

SCHEDULE: dict[Kind, tuple[Rates, ...]] = {
    "equity_delivery": (
        Rates(_START, 0, 0, 0, 100_000, 100_000, 3_220, _SEBI, 15_000, _GST),
        Rates(_TRUE_TO_LABEL, 0, 0, 0, 100_000, 100_000, 2_970, _SEBI, 15_000, _GST),
    ),
    "equity_intraday": (
        Rates(_START, 30_000, _RS20, 0, 0, 25_000, 3_220, _SEBI, 3_000, _GST),
        Rates(_TRUE_TO_LABEL, 30_000, _RS20, 0, 0, 25_000, 2_970, _SEBI, 3_000, _GST),
    ),
    "futures": (
        Rates(_START, 30_000, _RS20, 0, 0, 12_500, 1_900, _SEBI, 2_000, _GST),
        Rates(_TRUE_TO_LABEL, 30_000, _RS20, 0, 0, 20_000, 1_730, _SEBI, 2_000, _GST),
    ),
    "options": (
        Rates(_START, 0, 0, _RS20, 0, 62_500, 50_000, _SEBI, 3_000, _GST),
        Rates(_TRUE_TO_LABEL, 0, 0, _RS20, 0, 100_000, 35_030, _SEBI, 3_000, _GST),
    ),
}


def rates_on(kind: Kind, day: date) -> Rates:
    """The rates in force on `day` (the earliest row for days before the schedule starts)."""
    rows = SCHEDULE[kind]
    found = rows[0]
    for row in rows:
        if row.effective_from <= day:
            found = row
    return found


def _part(turnover: int, rate: int) -> int:
    """rate/10^8 of a scaled amount, rounded half up to the scale."""
    return (turnover * rate + PPM8 // 2) // PPM8


def leg_charges(kind: Kind, day: date, turnover: int, *, buy: bool) -> int:
    """Every charge of one order (one leg of a trade) of `turnover` (scaled 10^4 INR)."""
    if turnover <= 0:
        return 0
    r = rates_on(kind, day)
    if r.brokerage_flat:
        brokerage = r.brokerage_flat
    else:
        brokerage = _part(turnover, r.brokerage)
        if r.brokerage_cap:
            brokerage = min(brokerage, r.brokerage_cap)
    stt = _part(turnover, r.stt_buy if buy else r.stt_sell)
    exchange = _part(turnover, r.exchange)
    sebi = _part(turnover, r.sebi)
    stamp = _part(turnover, r.stamp_buy) if buy else 0
    gst = _part(brokerage + exchange + sebi, r.gst)
    return brokerage + stt + exchange + sebi + stamp + gst


def kind_of(*, is_fno: bool, symbol: str, intraday: bool) -> Kind:
    """Options are recognised by the exchange's trading symbol ending in CE/PE; other F&O are futures."""
    if is_fno:
        return "options" if symbol.rstrip().endswith(("CE", "PE")) else "futures"
    return "equity_intraday" if intraday else "equity_delivery"


def estimate_trade_charges(
    kind: Kind, *, long: bool, entry_day: date, entry_value: int, exit_day: date, exit_value: int
) -> int:
    """The schedule's charges of a closed round trip: entry and exit legs at their own dates."""
    return leg_charges(kind, entry_day, entry_value, buy=long) + leg_charges(
        kind, exit_day, exit_value, buy=not long
    )
