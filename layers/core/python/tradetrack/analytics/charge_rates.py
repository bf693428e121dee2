"""The charge schedule's data: every component as a dated series, each entry with its source.

analytics/charges.py composes these into the rates in force on a day and computes a leg's charges;
its docstring says how the components combine. Rates are parts per 10^8 of turnover; amounts are
INR scaled by 10^4. Entries say "Confirmed" when a stored copy of a source gives the figure and its
date, "unconfirmed" with the reason otherwise.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

Kind = Literal[
    "equity_delivery",
    "equity_intraday",
    "futures",
    "options",
    "currency_futures",
    "currency_options",
    "commodity_futures",
    "commodity_options",
]
KINDS: tuple[Kind, ...] = (
    "equity_delivery",
    "equity_intraday",
    "futures",
    "options",
    "currency_futures",
    "currency_options",
    "commodity_futures",
    "commodity_options",
)

RS20 = 20 * 10_000
START = date(2020, 7, 1)  # uniform stamp duty; days before it use the first entries

# Sources (all checked 2026-11-22, from stored copies of the pages):
_Z_CHARGES = "https://zerodha.com/charges"  # the live tariff itself was not in the stored material
_Z_EQUITY = (
    "https://support.zerodha.com/category/account-opening/charges-at-zerodha/"
    "trading-account-charges/articles/what-is-the-brokerage-at-zerodha-for-equity"
)
_Z_FNO = (
    "https://support.zerodha.com/category/account-opening/charges-at-zerodha/"
    "trading-account-charges/articles/what-is-the-brokerage-for-futures-and-options"
)
_Z_STAMP = "https://zerodha.com/marketintel/bulletin/259741/uniform-stamp-duty-applicable-from-july-1-2020"
_NSE_STAMP = "https://nseindia.com/invest/first-time-investor-stamp-duty-charges-taxes"
_NSE_2021 = "https://www.thehindu.com/business/nse-to-roll-back-6-increase-in-transaction-charges/article66657383.ece/amp/"
_NSE_2024 = "https://www.ndtvprofit.com/markets/nse-revises-cash-fno-market-fees-october-1"
_KAMATH_2024 = "https://nithinkamath.me/blog/impact-of-revision-in-exchange-transaction-charges-and-stt"
_SEBI_2020 = "https://taxguru.in/sebi/sebi-reduces-broker-turnover-fees-filing-fees-issuers.html"
_STT_2023 = "https://www.devdiscourse.com/article/headlines/2423213-cabinet-gives-post-facto-approval-to-amendment-to-finance-bill-2023"
_STT_2024 = "https://www.taxtmi.com/acts?id=43885"
_STT_2026 = "https://www.taxtmi.com/rss_feed_blog?id=894148"
# Currency and commodity derivatives (all checked 2026-11-22, from stored copies of the pages):
_Z_2021_COPY = "https://www.garvthakur.com/Broker/Zerodha/Brokerage-8"  # a copy of Zerodha's 2021 tariff
_Z_MCX = (
    "https://support.zerodha.com/category/account-opening/charges-at-zerodha/statutory-and-exchange/"
    "articles/what-is-the-logic-behind-mcx-transactions-and-why-is-it-not-the-same-for-all-brokers"
)
_Z_COMMODITY_2026 = "https://v2.webnotes.in/zerodha-commodity-brokerage/"  # Zerodha's tariff, 19 Jun 2026
_Z_CALCULATOR = "https://zerodha.com/brokerage-calculator/"
_NSE_CDS_2024 = (
    "https://www.businessupturn.com/finance/stock-market/"
    "nse-revises-transaction-charges-for-cash-and-fo-market-effective-october-1"
)
_MCX_2024 = (
    "https://ndtvprofit.com/markets/"
    "mcx-revises-transaction-fees-on-fo-contracts-after-sebi-mandates-uniform-charge-structure"
)
_MCX_OPT_2020 = (
    "https://www.thehindubusinessline.com/markets/mcx-extends-fee-waiver-on-options/article32613600.ece"
)
_MCX_OPT_2021 = "https://www.thehindubusinessline.com/markets/commodities/mcx-to-levy-charges-on-options-trading/article35544482.ece"
_CTT_2013 = (
    "https://www.thehindubusinessline.com/portfolio/commodity-analysis/"
    "how-a-widening-scope-of-ctt-will-impact-the-commodities-market/article30835317.ece"
)
_CTT_2018 = "https://taxmanagementindia.com/visitor/detail_rss_feed.asp?ID=19560"
_ICICI_CUR_OPT = "https://www.icicidirect.com/services/brokerage/currency-option"
_ICICI_COM_OPT = "https://icicidirect.com/services/brokerage/commodity-option"
_HDFC_COM = "https://support.hdfcsky.com/cm8wqkt273510jzd8kqatb2om.html"

# (brokerage parts per 10^8, cap per order, flat per order) — Zerodha, unchanged since before 2020.
# _Z_EQUITY, _Z_FNO (checked 2026-11-22): delivery zero; intraday and futures "0.03% or ₹20 per
# executed order, whichever is lower"; options "flat ₹20 per executed order". Confirmed.
BROKERAGE: dict[Kind, tuple[int, int, int]] = {
    "equity_delivery": (0, 0, 0),
    "equity_intraday": (30_000, RS20, 0),
    "futures": (30_000, RS20, 0),
    "options": (0, 0, RS20),
    # 0.03% or ₹20 per order, whichever is lower: _Z_2021_COPY (checked 2026-11-22). Confirmed
    # (third-party copy; a 2022 review, https://app.fintrakk.com/broker/zerodha/currency-trading,
    # reads "lower of 0.01% or Rs 20" — immaterial above ₹2 lakh per order, where ₹20 applies).
    "currency_futures": (30_000, RS20, 0),
    # ₹20 flat per order. unconfirmed: Zerodha's own currency page is not in the stored material;
    # _Z_2021_COPY reads "0.03% or ₹20", a 2026 blog (https://visualfoodie.com/understanding-fees-for-
    # zerodha-currency-trading) "Flat ₹20"; the brief's figure is kept (checked 2026-11-22).
    "currency_options": (0, 0, RS20),
    # 0.03% or ₹20 per order, whichever is lower: _Z_COMMODITY_2026 (checked 2026-11-22). Confirmed.
    "commodity_futures": (30_000, RS20, 0),
    # ₹20 flat per order: _Z_COMMODITY_2026; _Z_CALCULATOR shows ₹40 on a ₹3,000-premium round trip
    # (checked 2026-11-22). Confirmed.
    "commodity_options": (0, 0, RS20),
}

# STT (buy, sell) in parts per 10^8 of turnover (of premium for options).
STT: dict[Kind, tuple[tuple[date, tuple[int, int]], ...]] = {
    # 0.1% on buy and sell. _Z_EQUITY (checked 2026-11-22); unchanged in every later tariff. Confirmed.
    "equity_delivery": ((START, (100_000, 100_000)),),
    # 0.025% on the sell side. _Z_EQUITY (checked 2026-11-22). Confirmed.
    "equity_intraday": ((START, (0, 25_000)),),
    "futures": (
        (START, (0, 10_000)),  # 0.01% sell. _Z_FNO (checked 2026-11-22). Confirmed.
        (
            date(2023, 4, 1),
            (0, 12_500),
        ),  # 0.0125%, Finance Act 2023. _STT_2023 (checked 2026-11-22). Confirmed.
        (
            date(2024, 10, 1),
            (0, 20_000),
        ),  # 0.02%, Finance (No. 2) Act 2024. _STT_2024 (checked 2026-11-22). Confirmed.
        (
            date(2026, 4, 1),
            (0, 50_000),
        ),  # 0.05%, Finance Act 2026. _STT_2026 (checked 2026-11-22). Confirmed.
    ),
    "options": (
        (START, (0, 50_000)),  # 0.05% of premium, sell. _Z_FNO (checked 2026-11-22). Confirmed.
        (
            date(2023, 4, 1),
            (0, 62_500),
        ),  # 0.0625%, Finance Act 2023. _STT_2023 (checked 2026-11-22). Confirmed.
        (
            date(2024, 10, 1),
            (0, 100_000),
        ),  # 0.1%, Finance (No. 2) Act 2024. _STT_2024 (checked 2026-11-22). Confirmed.
        (
            date(2026, 4, 1),
            (0, 150_000),
        ),  # 0.15%, Finance Act 2026. _STT_2026 (checked 2026-11-22). Confirmed.
    ),
    # No STT or CTT on currency derivatives: _Z_2021_COPY ("NA"), fintrakk review above (checked
    # 2026-11-22). Confirmed.
    "currency_futures": ((START, (0, 0)),),
    "currency_options": ((START, (0, 0)),),
    # CTT 0.01% on the sell of non-agri commodity futures since 1 Jul 2013: _CTT_2013, _Z_2021_COPY,
    # _HDFC_COM (checked 2026-11-22). Confirmed up to 2025; unconfirmed: that the Finance Act 2026
    # (which raised STT on futures, _STT_2026) left CTT unchanged — no stored source says either way.
    "commodity_futures": ((START, (0, 10_000)),),
    # CTT 0.05% of premium on the sell of commodity options since 1 Apr 2018 (Finance Act 2018):
    # _CTT_2018, _ICICI_COM_OPT, _HDFC_COM (checked 2026-11-22). Confirmed up to 2025; unconfirmed
    # for 2026 as for futures.
    "commodity_options": ((START, (0, 50_000)),),
}

# NSE exchange transaction charges, parts per 10^8 of turnover (of premium for options).
CASH: tuple[tuple[date, int], ...] = (
    # 0.00325%: Zerodha's 2020 tariff (copy: https://inquisitordev.blogspot.com/2020/06/zerodha-list-of-all-charges-and-taxes.html),
    # checked 2026-11-22. Confirmed (third-party copy of the tariff).
    (START, 3_250),
    # 0.00345%: NSE +6% from 1 Jan 2021 (_NSE_2021); figure from a copy of Zerodha's tariff
    # (https://www.garvthakur.com/Broker/Zerodha/Brokerage-8), checked 2026-11-22. Confirmed.
    (date(2021, 1, 1), 3_450),
    # 0.00322%: unconfirmed: the figure appears only in an unattributed copy of Zerodha's pre-Oct
    # 2024 tariff, and its start date is taken as NSE's 1 Apr 2023 roll-back (_NSE_2021); checked 2026-11-22.
    (date(2023, 4, 1), 3_220),
    # 0.00297% (₹2.97 per lakh each side), NSE circular effective 1 Oct 2024. _NSE_2024
    # (checked 2026-11-22). Confirmed.
    (date(2024, 10, 1), 2_970),
)
EXCHANGE: dict[Kind, tuple[tuple[date, int], ...]] = {
    "equity_delivery": CASH,
    "equity_intraday": CASH,
    "futures": (
        (START, 1_900),  # 0.0019%: Zerodha's 2020 tariff (copy above), checked 2026-11-22. Confirmed.
        (date(2021, 1, 1), 2_000),  # 0.002%: _Z_FNO with _NSE_2021 (checked 2026-11-22). Confirmed.
        # 0.00183%: Zerodha's rate replaced on 1 Oct 2024 per _KAMATH_2024; start date taken as NSE's
        # 1 Apr 2023 roll-back. unconfirmed: a copy of Zerodha's tariff shows 0.00188% instead,
        # and no source dates the start (checked 2026-11-22).
        (date(2023, 4, 1), 1_830),
        (date(2024, 10, 1), 1_730),  # 0.00173% (₹1.73 per lakh), _NSE_2024 (checked 2026-11-22). Confirmed.
    ),
    "options": (
        (
            START,
            50_000,
        ),  # 0.05% of premium: Zerodha's 2020 tariff (copy above), checked 2026-11-22. Confirmed.
        (date(2021, 1, 1), 53_000),  # 0.053%: _Z_FNO with _NSE_2021 (checked 2026-11-22). Confirmed.
        # 0.0495%: Zerodha's rate replaced on 1 Oct 2024 per _KAMATH_2024 (checked 2026-11-22);
        # unconfirmed: start date taken as NSE's 1 Apr 2023 roll-back, no source dates it.
        (date(2023, 4, 1), 49_500),
        (
            date(2024, 10, 1),
            35_030,
        ),  # 0.03503% (₹35.03 per lakh of premium), _NSE_2024 (checked 2026-11-22). Confirmed.
    ),
    "currency_futures": (
        # 0.0009% (NSE): _Z_2021_COPY (checked 2026-11-22). unconfirmed: the copy is of the 2021
        # tariff; the rate is taken as in force from 1 Jul 2020 until the 2024 revision.
        (START, 900),
        # 0.00035% (₹0.35 per lakh each side), NSE circular effective 1 Oct 2024: _NSE_CDS_2024,
        # _NSE_2024 (checked 2026-11-22). Confirmed.
        (date(2024, 10, 1), 350),
    ),
    "currency_options": (
        # 0.035% of premium (NSE): _Z_2021_COPY, _ICICI_CUR_OPT (checked 2026-11-22). unconfirmed:
        # taken as in force from 1 Jul 2020 until the 2024 revision; no source dates it.
        (START, 35_000),
        # 0.0311% (₹31.10 per lakh of premium each side), from 1 Oct 2024: _NSE_CDS_2024, _NSE_2024
        # (checked 2026-11-22). Confirmed.
        (date(2024, 10, 1), 31_100),
    ),
    "commodity_futures": (
        # 0.0026% (MCX group A, Zerodha's pass-through): _Z_MCX, _Z_2021_COPY (checked 2026-11-22).
        # Confirmed as Zerodha's rate before Oct 2024; unconfirmed: its start date (taken as 1 Jul
        # 2020). Group B (agri) rates are not modelled.
        (START, 2_600),
        # 0.0021% (₹2.10 per lakh), MCX uniform fee from 1 Oct 2024: _MCX_2024 (checked 2026-11-22).
        # Confirmed.
        (date(2024, 10, 1), 2_100),
    ),
    "commodity_options": (
        # Waived: MCX waived options fees until 31 Mar 2021 (_MCX_OPT_2020), then until 30 Sep 2021
        # (_MCX_OPT_2021); _Z_2021_COPY shows 0 (checked 2026-11-22). Confirmed.
        (START, 0),
        # 0.05% of premium (₹50 per lakh of premium) from 1 Oct 2021: _MCX_OPT_2021 (checked
        # 2026-11-22). unconfirmed: MCX's was a slab (₹50 per lakh up to ₹5 crore average daily
        # premium turnover, ₹40 above); the top slab is assumed passed through.
        (date(2021, 10, 1), 50_000),
        # 0.0418% (₹41.80 per lakh of premium), MCX uniform fee from 1 Oct 2024: _MCX_2024 (checked
        # 2026-11-22). Confirmed.
        (date(2024, 10, 1), 41_800),
    ),
}

SEBI: tuple[tuple[date, int], ...] = (
    (
        START,
        50,
    ),  # ₹5 per crore: 50% relief 1 Jun 2020 – 31 Mar 2021. _SEBI_2020 (checked 2026-11-22). Confirmed.
    (date(2021, 4, 1), 100),  # ₹10 per crore: _Z_FNO, _Z_CHARGES copies (checked 2026-11-22). Confirmed.
)

# Buy side only, from 1 Jul 2020. _NSE_STAMP, _Z_STAMP (checked 2026-11-22). Confirmed.
STAMP: dict[Kind, int] = {
    "equity_delivery": 15_000,  # 0.015%
    "equity_intraday": 3_000,  # 0.003%
    "futures": 2_000,  # 0.002%
    "options": 3_000,  # 0.003% of premium
    # Currency: 0.0001% (₹10 per crore): _Z_2021_COPY, _ICICI_CUR_OPT (checked 2026-11-22). Confirmed.
    "currency_futures": 100,
    "currency_options": 100,  # of premium
    # Commodity: futures 0.002%, options 0.003% of premium: _Z_2021_COPY, _HDFC_COM, _ICICI_COM_OPT
    # (checked 2026-11-22). Confirmed.
    "commodity_futures": 2_000,
    "commodity_options": 3_000,
}

# 18% of (brokerage + transaction charges + SEBI fee): Zerodha's tariff from 2024 (copies of
# _Z_CHARGES, e.g. https://tradesee.in/stock-brokers/zerodha), checked 2026-11-22. Confirmed for the
# rate; unconfirmed: whether the SEBI fee was in the base before 2023 (Zerodha's 2020 tariff reads
# "18% on (brokerage + transaction charges)"; the difference is 18% of ₹5–10 per crore).
GST = 18_000_000

# DP (depository participant) charge on equity-delivery sells, scaled INR per scrip per sell day,
# before GST (analytics/charges.py adds 18%). Not on the contract note: Zerodha posts it to the
# funds statement. Only "equity_delivery" pays it (intraday and derivatives never leave the demat).
Z_DP = (
    "https://support.zerodha.com/category/account-opening/charges-at-zerodha/articles/what-do-dp-charges-mean"
)
Z_DP_BTST = (
    "https://support.zerodha.com/category/account-opening/resident-individual/ri-charges/articles/"
    "dp-charges-for-btst-trades"
)
CDSL_2024 = "https://www.bajajbroking.in/blog/cdsl-reduces-transaction-charges-by-50p-per-transaction"
CDSL_OCT_2024 = "https://www.lokmattimes.com/business/cdsl-announce-uniform-tariff-of-rs-350-per-transaction-effective-october-1st/"
DP: tuple[tuple[date, int], ...] = (
    # ₹13.50 (₹5.50 CDSL + ₹8 Zerodha) + 18% GST = ₹15.93 per scrip per day, whatever the quantity:
    # Z_DP (an earlier copy of the page; checked 2026-11-22). Confirmed; the same figure is quoted
    # since at least 2019 (https://tradingqna.com/t/zerodhas-high-dp-charges/18282/7).
    (START, 135_000),
    # ₹13 + 18% GST = ₹15.34: Z_DP and Z_DP_BTST now read "₹13 + 18% GST per stock per day"
    # (₹12.75 for a woman first holder, not modelled). unconfirmed: the start date — taken as
    # 1 Jun 2024, when CDSL cut its debit charge by 50 paise (CDSL_2024); CDSL's flat ₹3.50 from
    # 1 Oct 2024 (CDSL_OCT_2024) left Zerodha's ₹13 unchanged (checked 2026-11-22).
    (date(2024, 6, 1), 130_000),
)
