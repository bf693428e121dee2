"""Indian transaction charges, kept as data with effective dates: a rate change is a data change.

How charges combine (the rule every analytics figure uses): a trade keeps its fills' fees when
every fill carried fees (an explicit 0 counts as given), else it gets this schedule's estimate
(analytics/trade_charges.py: the entry leg at the open date, one exit leg per closing fill at its
own date, DP charges per sell day). A trade is never charged twice: one or the other, never a sum.

The schedule is that of a discount broker on NSE (Zerodha's published tariff is the model). Each
component is its own dated series in analytics/charge_rates.py (source URL and the date it was
checked on each entry); `rates_on` composes the components in force on a day:
- brokerage: equity delivery free; intraday and futures 0.03% or ₹20 per executed order, whichever
  is lower; options ₹20 flat per executed order. One order per leg is assumed.
- STT (Finance (No. 2) Act 2004 s.98 as amended): delivery 0.1% on buy and sell; intraday 0.025%
  on sell; futures 0.01% → 0.0125% (1 Apr 2023) → 0.02% (1 Oct 2024) → 0.05% (1 Apr 2026) on
  sell; options 0.05% → 0.0625% → 0.1% → 0.15% of premium on sell, same dates. STT on exercised
  options (on intrinsic value) is not modelled.
- exchange transaction charges (NSE): +6% from 1 Jan 2021, rolled back 1 Apr 2023, flat "true to
  label" rates from 1 Oct 2024: equity 0.00297%, futures 0.00173%, options 0.03503% of premium.
- SEBI turnover fee: ₹10 per crore (0.0001%) on both sides; ₹5 per crore from 1 Jun 2020 to
  31 Mar 2021 (SEBI's COVID relief).
- stamp duty (Indian Stamp Act as amended by the Finance Act 2019, uniform from 1 Jul 2020), buy
  side only: delivery 0.015%, intraday 0.003%, futures 0.002%, options 0.003% of premium.
- GST: 18% of brokerage + exchange transaction charges + SEBI fee (+ the DP charge).
- DP charges on equity-delivery sells: ₹13.50 + 18% GST (₹15.93) per scrip per sell day, whatever
  the quantity; ₹13 + GST (₹15.34) from 1 Jun 2024 (charge_rates.DP has the sources). Charged
  once per IST sell day of a trade; intraday and derivative trades never pay it.

Rounding: STT is rounded to the nearest rupee, fifty paise or more up (Securities Transaction Tax
Rules 2004, rule 4: https://taxmanagementindia.com/web/tmi_blog_details.asp?id=271889), and so is
CTT (Commodities Transaction Tax Rules 2013, rule 4:
https://caclubindia.com/notice_circulars/commodities-transaction-tax-rules-2013-5399.asp); NSE
computes STT per client, security and day (circular NSE/CMO/0146/2004,
https://nseindia.com/content/circulars/cmtr5588.htm). A trade document does not keep a contract
note's grouping, so the rounding is applied per leg (one order of one trade on one day) as the
approximation of per contract note. Stamp duty is not rounded to the rupee: no rounding provision
was found in the Indian Stamp (Collection of Stamp-Duty through Stock Exchanges, Clearing
Corporations and Depositories) Rules 2019 (https://taxmanagementindia.com/web/tmi_blog_details.asp?id=596949),
and a Zerodha contract note shows it in paise beside a rupee-rounded CTT (MCX, 18 Jun 2025: stamp
duty ₹0.29 on a ₹9,869 buy, CTT ₹5.00 on ₹9,472 × 0.05% = ₹4.736:
https://www.scribd.com/document/888826704/HZN514-MCX-2025-06-18-2025-06-18); it keeps 4 decimals.
Every other component keeps 4 decimals too (rates are parts per 10^8 of turnover, so each figure
is an exact integer computation on scaled money, rounded half up to the scale).

Not modelled: NSE's IPFT levy (₹10 per crore on cash and futures, ₹50 per crore on options
premium, since 1 Apr 2023 — Zerodha's current tariff folds it into its "transaction charges"
figure); BSE's different exchange rates; the ₹0.25 DP discount for a woman first holder; that
BTST sells paid no DP charge before 2 Jun 2021 (https://tradebrains.in/brokers/what-are-zerodha-dp-charges);
several orders per leg (each leg pays one order's brokerage).

Currency derivatives (segment CDS: NSE's CDS, BSE's BCD) and commodity derivatives (segment COM:
MCX) have their own kinds and rows:
- brokerage as for equity F&O: futures 0.03% or ₹20 per order, whichever is lower; options ₹20 flat.
- no STT or CTT on currency derivatives; CTT (Finance Act 2013, Chapter VII) 0.01% on the sell of
  non-agricultural commodity futures (from 1 Jul 2013) and 0.05% of premium on the sell of
  commodity options (from 1 Apr 2018, Finance Act 2018). Agricultural commodities (no CTT, other MCX
  rates) and CTT on exercised options are not modelled: every COM trade is taken as non-agri.
- exchange transaction charges: NSE currency futures 0.0009% → 0.00035% (1 Oct 2024), currency
  options 0.035% → 0.0311% of premium (1 Oct 2024); MCX futures (group A) 0.0026% → 0.0021%
  (1 Oct 2024), MCX options waived until 30 Sep 2021, 0.05% of premium from 1 Oct 2021, 0.0418% from
  1 Oct 2024. BSE's BCD rates are not modelled (BCD trades take NSE's).
- stamp duty on the buy side: currency 0.0001%, commodity futures 0.002%, commodity options 0.003%.
- SEBI fee and GST as above (the ₹1 per crore SEBI fee on agri commodities is not modelled).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from tradetrack.analytics.charge_rates import (
    BROKERAGE,
    DP,
    EXCHANGE,
    GST,
    KINDS,
    SEBI,
    STAMP,
    START,
    STT,
    Kind,
)

__all__ = [
    "KINDS",
    "PPM8",
    "SCHEDULE",
    "SCHEDULE_VERSION",
    "Kind",
    "Rates",
    "dp_charges",
    "estimate_trade_charges",
    "kind_of",
    "leg_charges",
    "rates_on",
]

PPM8 = 100_000_000  # rates are parts per 10^8
RUPEE = 10_000  # ₹1 scaled
SCHEDULE_VERSION = "2026-11-23.1"  # part of the analytics cache key: a rate change invalidates it


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
    gst: int  # parts per 10^8 of (brokerage + exchange + SEBI), and of the DP charge
    dp: int = 0  # scaled INR per scrip per sell day, before GST (equity delivery only)


T = TypeVar("T")


def _at(series: tuple[tuple[date, T], ...], day: date) -> tuple[date, T]:
    """The entry of a dated series in force on `day` (the first entry for earlier days)."""
    found = series[0]
    for entry in series:
        if entry[0] <= day:
            found = entry
    return found


def _compose(kind: Kind, day: date) -> Rates:
    brokerage, cap, flat = BROKERAGE[kind]
    stt_from, (stt_buy, stt_sell) = _at(STT[kind], day)
    exchange_from, exchange = _at(EXCHANGE[kind], day)
    sebi_from, sebi = _at(SEBI, day)
    dp_from, dp = _at(DP, day) if kind == "equity_delivery" else (START, 0)
    since = max(START, stt_from, exchange_from, sebi_from, dp_from)
    return Rates(since, brokerage, cap, flat, stt_buy, stt_sell, exchange, sebi, STAMP[kind], GST, dp)


def _change_days(kind: Kind) -> list[date]:
    days = {d for d, _ in STT[kind]} | {d for d, _ in EXCHANGE[kind]} | {d for d, _ in SEBI}
    if kind == "equity_delivery":
        days |= {d for d, _ in DP}
    return sorted(days | {START})


# Every kind's rows, one per date on which any of its components changed (derived; read-only view).
SCHEDULE: dict[Kind, tuple[Rates, ...]] = {
    kind: tuple(_compose(kind, day) for day in _change_days(kind)) for kind in KINDS
}


@functools.lru_cache(maxsize=16_384)
def rates_on(kind: Kind, day: date) -> Rates:
    """The rates in force on `day` (the earliest row for days before the schedule starts; cached:
    the schedule is data fixed at import)."""
    rows = SCHEDULE[kind]
    found = rows[0]
    for row in rows:
        if row.effective_from <= day:
            found = row
    return found


def _part(turnover: int, rate: int) -> int:
    """rate/10^8 of a scaled amount, rounded half up to the scale."""
    return (turnover * rate + PPM8 // 2) // PPM8


def _to_rupee(amount: int) -> int:
    """A scaled amount rounded to the nearest rupee, fifty paise or more up (STT Rules 2004, r.4)."""
    return (amount + RUPEE // 2) // RUPEE * RUPEE


def leg_charges(kind: Kind, day: date, turnover: int, *, buy: bool) -> int:
    """Every contract-note charge of one order (one leg of a trade) of `turnover` (scaled 10^4 INR):
    STT/CTT rounded to the rupee, the rest to 4 decimals. DP charges are apart (`dp_charges`)."""
    if turnover <= 0:
        return 0
    r = rates_on(kind, day)
    if r.brokerage_flat:
        brokerage = r.brokerage_flat
    else:
        brokerage = _part(turnover, r.brokerage)
        if r.brokerage_cap:
            brokerage = min(brokerage, r.brokerage_cap)
    stt = _to_rupee(_part(turnover, r.stt_buy if buy else r.stt_sell))
    exchange = _part(turnover, r.exchange)
    sebi = _part(turnover, r.sebi)
    stamp = _part(turnover, r.stamp_buy) if buy else 0
    gst = _part(brokerage + exchange + sebi, r.gst)
    return brokerage + stt + exchange + sebi + stamp + gst


@functools.lru_cache(maxsize=16_384)
def dp_charges(kind: Kind, day: date) -> int:
    """The DP charge with its GST for one scrip sold out of the demat on `day` (0 but for delivery)."""
    r = rates_on(kind, day)
    return r.dp + _part(r.dp, r.gst)


def kind_of(*, segment: str | None = None, is_fno: bool, symbol: str, intraday: bool) -> Kind:
    """The schedule kind of a trade from its segment (EQ, FO, CDS, COM).

    CDS is currency and COM commodity derivatives; FO, or any other trade flagged `is_fno` (a
    document without a segment, or one whose segment contradicts the flag, as tax.py trusts the
    flag too), is equity F&O; the rest (EQ) is equity. Options are recognised by the exchange's
    trading symbol ending in CE/PE; other derivatives are futures.
    """
    option = symbol.rstrip().endswith(("CE", "PE"))
    if segment == "CDS":
        return "currency_options" if option else "currency_futures"
    if segment == "COM":
        return "commodity_options" if option else "commodity_futures"
    if segment == "FO" or is_fno:
        return "options" if option else "futures"
    return "equity_intraday" if intraday else "equity_delivery"


def estimate_trade_charges(
    kind: Kind, *, long: bool, entry_day: date, entry_value: int, exit_day: date, exit_value: int
) -> int:
    """The schedule's charges of a closed round trip in one exit: entry and exit legs at their own
    dates, and the DP charge of the sell day (the exit of a long, the entry of a short)."""
    sell_day = exit_day if long else entry_day
    return (
        leg_charges(kind, entry_day, entry_value, buy=long)
        + leg_charges(kind, exit_day, exit_value, buy=not long)
        + dp_charges(kind, sell_day)
    )
