"""The simulated provider's instruments: real listings from instruments.csv (its header says where
each row comes from), never a price for a name that is not listed.

An instrument is one ISIN (an index: its name) whatever the exchange or alias it is asked under:
NSE:INFY and BSE:INFY are INE009A01021, NSE:BANKNIFTY is NSE:NIFTY BANK (market.symbols).
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from tradetrack.market.symbols import canonical_symbol

LIST = Path(__file__).with_name("instruments.csv")
EXCHANGE_COLUMNS = {"NSE": "nse", "BSE": "bse"}


@dataclass(frozen=True)
class Instrument:
    key: str  # "ISIN:INE009A01021", or "INDEX:NIFTY BANK"
    base: Decimal  # the level simulated prices move around (INR)
    curated: bool  # traded by the simulated broker (local.simulated)


class Universe:
    def __init__(self, rows: Iterable[Mapping[str, str]]) -> None:
        self._by_symbol: dict[str, Instrument] = {}
        self.curated_nse: dict[str, Decimal] = {}  # "NSE:INFY" → base, in list order
        self.curated_isins: dict[str, str] = {}  # "INFY" → "INE009A01021" (stocks of curated_nse)
        for row in rows:
            names = {exchange: row[column].strip() for exchange, column in EXCHANGE_COLUMNS.items()}
            isin = row["isin"].strip()
            key = f"ISIN:{isin}" if isin else f"INDEX:{names['NSE'] or names['BSE']}"
            instrument = Instrument(key, Decimal(row["base_price"]), row["source"].strip() == "curated")
            for exchange, name in names.items():
                if name:
                    self._by_symbol[f"{exchange}:{name}"] = instrument
            if instrument.curated and names["NSE"]:
                self.curated_nse[f"NSE:{names['NSE']}"] = instrument.base
                if isin:
                    self.curated_isins[names["NSE"]] = isin

    def resolve(self, symbol: str) -> Instrument | None:
        """The instrument an "EXCHANGE:SYMBOL" (or an index alias) names; None when not listed."""
        return self._by_symbol.get(canonical_symbol(symbol))

    def symbols(self) -> list[str]:
        """Every listed "EXCHANGE:SYMBOL" (aliases aside), in list order."""
        return list(self._by_symbol)

    def __len__(self) -> int:
        return len({instrument.key for instrument in self._by_symbol.values()})


def load(path: Path = LIST) -> Universe:
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if line.strip() and not line.startswith("#")]
    return Universe(csv.DictReader(lines))


@functools.cache
def universe() -> Universe:
    """The bundled list, read once per container (on first use)."""
    return load()
