"""The simulated quote provider (issue #15 item 12): real listings only, one instrument per ISIN or
index whatever the exchange or alias, one price per instrument at a moment."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tradetrack.market.providers.simulated import BASE_PRICES, SimulatedQuotes, session
from tradetrack.market.providers.universe import LIST, load
from tradetrack.timeutil import IST

OPEN_FRIDAY = datetime(2025, 11, 14, 11, 7, 42, tzinfo=IST)
TRADEBOOK = Path(__file__).parents[2] / "fixtures" / "imports" / "real" / "zerodha_tradebook_fy2024_25.csv"


def at(moment: datetime) -> SimulatedQuotes:
    return SimulatedQuotes(seed=7, clock=lambda: moment)


def test_unknown_symbols_are_not_priced() -> None:
    # Given the provider in market hours
    provider = at(OPEN_FRIDAY)
    # When a listed and unlisted symbols are asked for
    quotes = provider.fetch(["NSE:INFY", "NSE:NOSUCHSTOCK", "BSE:NOSUCHSTOCK", "NFO:NOSUCH24DECFUT"])
    # Then only the listed one is quoted
    assert list(quotes) == ["NSE:INFY"]
    with pytest.raises(ValueError, match="not a listed instrument"):
        provider.set_price("NSE:NOSUCHSTOCK", Decimal(100))


@pytest.mark.parametrize(
    ("alias", "index"),
    [
        ("NSE:BANKNIFTY", "NSE:NIFTY BANK"),
        ("NSE:NIFTYBANK", "NSE:NIFTY BANK"),
        ("NSE:NIFTY", "NSE:NIFTY 50"),
        ("NSE:NIFTY50", "NSE:NIFTY 50"),
    ],
)
def test_index_aliases_are_one_instrument(alias: str, index: str) -> None:
    # Given the provider at several moments of a session and after it
    for minutes in (0, 1, 97, 400, 2000):
        provider = at(OPEN_FRIDAY + timedelta(minutes=minutes))
        # When the index is asked for under both names, in separate calls
        by_alias, by_name = provider.fetch([alias])[alias], provider.fetch([index])[index]
        # Then the quotes agree field by field, each under the name asked for
        assert by_alias.symbol == alias and by_name.symbol == index
        assert by_alias.to_json() == by_name.to_json()


def test_one_price_per_isin_across_exchanges() -> None:
    # Given the big NSE stocks, listed on BSE too
    stocks = [key.split(":", 1)[1] for key in BASE_PRICES if " " not in key]
    for minutes in (0, 13, 250):
        provider = at(OPEN_FRIDAY + timedelta(minutes=minutes))
        # When both exchanges are asked for, in one call and in separate calls
        both = provider.fetch([f"{e}:{s}" for s in stocks for e in ("NSE", "BSE")])
        for stock in stocks:
            nse, bse = both[f"NSE:{stock}"], both[f"BSE:{stock}"]
            alone = provider.fetch([f"BSE:{stock}"])[f"BSE:{stock}"]
            # Then the prices differ by at most 0.1% (here: not at all)
            assert abs(nse.ltp - bse.ltp) <= nse.ltp / 1000
            assert abs(nse.ltp - alone.ltp) <= nse.ltp / 1000
            assert nse.close == bse.close


def test_prices_are_realistic_and_move_within_a_session() -> None:
    # Given a day's session sampled every 5 minutes
    moments = [datetime(2025, 11, 14, 9, 15, tzinfo=IST) + timedelta(minutes=5 * m) for m in range(76)]
    for symbol, base in (("NSE:INFY", BASE_PRICES["NSE:INFY"]), ("NSE:NIFTY BANK", Decimal(58100))):
        prices = [at(m).fetch([symbol])[symbol] for m in moments]
        ltps = [q.ltp for q in prices]
        # Then each stays within 10% of its level, on the 0.05 tick, and moves
        assert all(base * Decimal("0.9") < p < base * Decimal("1.1") for p in ltps)
        assert all((p * 20) % 1 == 0 for p in ltps)
        assert len(set(ltps)) > 20
        # And the day's change is a few percent at most; low <= last <= high
        last = prices[-1]
        assert last.change_pct is not None and abs(last.change_pct) < 5
        assert last.low is not None and last.high is not None and last.low <= last.ltp <= last.high


def test_outside_market_hours_the_last_close_is_quoted() -> None:
    # Given a Saturday and the Friday close before it
    saturday = datetime(2025, 11, 15, 11, 0, tzinfo=IST)
    friday_close = datetime(2025, 11, 14, 15, 30, tzinfo=IST)
    # Then the weekend shows Friday's close, stamped at the close
    assert session(saturday) == (friday_close.date(), friday_close)
    quote = at(saturday).fetch(["NSE:INFY"])["NSE:INFY"]
    assert quote.ltp == at(friday_close).fetch(["NSE:INFY"])["NSE:INFY"].ltp
    assert quote.ts == friday_close
    assert at(datetime(2025, 11, 15, 5, 30, tzinfo=UTC)).fetch(["NSE:INFY"])["NSE:INFY"].ltp == quote.ltp


def test_the_universe_is_the_bundled_real_list() -> None:
    # Given the bundled list and the real tradebook fixture it cites
    universe = load(LIST)
    with TRADEBOOK.open() as handle:
        traded = {(row["symbol"], row["isin"]) for row in csv.DictReader(handle)}
    # Then every stock of the tradebook (but trade-for-trade "-BE" names and a pre-split ISIN) is
    # listed under its ISIN
    for symbol, isin in traded:
        found = universe.resolve(f"NSE:{symbol}")
        if symbol.endswith("-BE") or isin == "INE324A01024":
            continue
        assert found is not None and found.key == f"ISIN:{isin}", symbol
    # And the simulated broker's instruments are the list's curated rows
    assert "NSE:INFY" in BASE_PRICES and all(universe.resolve(s) is not None for s in BASE_PRICES)
    assert len(universe) > 90
