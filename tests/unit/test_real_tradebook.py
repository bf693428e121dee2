"""A real, public, full-year Zerodha account (tests/fixtures/imports/real/SOURCES.md) against
Zerodha's own tax P&L for FY 2024-25: per ISIN, to the paisa.

The engine path is the one recompute runs (tradetrack.derive), without the database; the same
files go through the API in tests/e2e/test_real_tradebook_flow.py.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.support.real_tradebook import (
    HOLDINGS,
    actions_as_adjustments,
    documents_by_instrument,
    expected_by_isin,
)
from tradetrack.derive import Derived, derive
from tradetrack.imports.holdings import parse_holdings
from tradetrack.money import money_str, to_scaled
from tradetrack.timeutil import IST

Document = dict[str, Any]
NOW = datetime(2026, 12, 1, tzinfo=UTC)
# Sold lots all bought inside the tradebook: FIFO over the file alone must give Zerodha's figure.
SELF_CONTAINED = {
    "INE324A01032": "JINDALSAW (a 1:2 split under a new ISIN)",
    "INE939A01011": "STAR (cost apportioned to the demerged ONESOURCE)",
    "INE013P01021": "ONESOURCE (received in the demerger, sold as ONESOURCE-BE)",
    "INE839M01018": "SCHNEIDER (bought as SCHNEIDER-BE and SCHNEIDER)",
    "INE200A01026": "GET&D (bought as GET&D-BE, sold as GVT&D after the rename)",
}


def holdings_lots(sample: Document) -> dict[str, list[Document]]:
    """The holdings file as opening lots, the way POST /v1/opening-lots/import stores them."""
    parsed = parse_holdings(HOLDINGS.read_bytes())
    assert parsed.rejected == [] and parsed.as_of is not None
    acquired = datetime.combine(parsed.as_of, datetime.min.time(), IST)
    lots: dict[str, list[Document]] = defaultdict(list)
    for row in parsed.rows:
        lots[f"ISIN:{row.isin}"].append(
            sample
            | {
                "_id": f"exe_hold_{row.isin}",
                "instrument": f"ISIN:{row.isin}",
                "symbol": row.symbol,
                "isin": row.isin,
                "source": "opening",
                "externalId": f"holdings:{parsed.as_of}:{row.isin}",
                "side": "BUY",
                "quantity": row.quantity,
                "price": to_scaled(row.average_price),
                "cost": to_scaled(row.average_price * row.quantity),
                "fees": 0,
                "feesGiven": True,
                "snapshot": True,
                "longTerm": row.long_term,
                "executedAt": acquired,
            }
        )
    return lots


def derived(with_holdings: bool) -> dict[str, Derived]:
    by_key = documents_by_instrument("usr", "kite")
    if with_holdings:
        for key, lots in holdings_lots(next(iter(by_key.values()))[0]).items():
            by_key[key] = lots + by_key.get(key, [])
    adjustments = actions_as_adjustments()
    return {
        key: derive(docs, as_of=NOW, adjustments=adjustments.get(key, ())) for key, docs in by_key.items()
    }


def realized(result: Derived) -> int:
    return sum(int(trade["realizedPnl"]) for trade in result.trades)


@pytest.fixture(scope="module")
def tradebook_only() -> dict[str, Derived]:
    return derived(with_holdings=False)


@pytest.fixture(scope="module")
def with_holdings() -> dict[str, Derived]:
    return derived(with_holdings=True)


def test_the_tradebook_alone_opens_no_short_and_reports_what_it_cannot_match(
    tradebook_only: dict[str, Derived],
) -> None:
    # Given the year's tradebook and no holdings
    # Then no equity-delivery short exists: sells of older shares are unmatched exits instead
    assert not [t for r in tradebook_only.values() for t in r.trades if t["direction"] == "SHORT"]
    unmatched = {
        key: sum(u.quantity for u in r.unmatched) for key, r in tradebook_only.items() if r.unmatched
    }
    assert unmatched["ISIN:INE242A01010"] == 223  # IOC: 223 of the 238 sold were bought before April 2024
    assert unmatched["ISIN:INE758T01015"] == 233  # ZOMATO
    assert "ISIN:INE324A01032" not in unmatched  # JINDALSAW: the split's 114 shares are the 57 bought


@pytest.mark.parametrize("isin", sorted(SELF_CONTAINED))
def test_sales_of_shares_bought_within_the_year_match_zerodha(
    tradebook_only: dict[str, Derived], isin: str
) -> None:
    expected, _, _ = expected_by_isin()
    assert money_str(realized(tradebook_only[f"ISIN:{isin}"])) == money_str(expected[isin]), SELF_CONTAINED[
        isin
    ]


def test_with_the_opening_holdings_every_symbol_matches_zerodha_to_the_paisa(
    with_holdings: dict[str, Derived],
) -> None:
    # Given the tradebook and the holdings before the year (Console's holdings export)
    expected, _, symbols = expected_by_isin()
    # Then every ISIN's realized P&L is Zerodha's, and nothing is left unmatched
    ours = {key.removeprefix("ISIN:"): realized(result) for key, result in with_holdings.items()}
    wrong = {
        symbols[i]: (money_str(ours.get(i, 0)), money_str(v)) for i, v in expected.items() if ours.get(i) != v
    }
    assert wrong == {}
    assert not [key for key, result in with_holdings.items() if result.unmatched]
    assert money_str(sum(ours.values())) == "122221.0698"
    # And the sign of the year is right: the bug this suite exists for gave -64,654.11
    assert Decimal(money_str(sum(ours.values()))) > 0
