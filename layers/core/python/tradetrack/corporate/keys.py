"""An action's identity: its `_id` and the instrument keys it applies to (tradetrack.corporate.service)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from pymongo.database import Database

from tradetrack.db.instrument_aliases import current_isins, instruments_of
from tradetrack.instruments.symbols import base_symbol

Document = dict[str, Any]


def action_id(scope: str, instrument: str, kind: str, ex_date: str) -> str:
    digest = hashlib.sha256(f"{scope}\x1f{instrument}\x1f{kind}\x1f{ex_date}".encode()).hexdigest()
    return f"act_{digest[:24]}"


def unique(keys: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(keys))


def instrument_keys(db: Database[Document], symbol: str | None, isin: str | None) -> tuple[str, list[str]]:
    """(the action's instrument, its keys): see tradetrack.corporate.service's docstring."""
    keys: list[str] = []
    if isin is not None:
        keys += [f"ISIN:{isin}", f"ISIN:{current_isins(db, [isin])[isin]}"]
    elif symbol is not None:
        keys += instruments_of(db, [("NSE", "EQ", symbol)])
    if symbol is not None:
        keys.append(f"EQ:{base_symbol(symbol)}")
    instrument = f"ISIN:{isin}" if isin is not None else f"EQ:{base_symbol(symbol or '')}"
    return instrument, unique(keys)


def known_isin(db: Database[Document], symbol: str | None) -> str | None:
    if symbol is None:
        return None
    [key] = instruments_of(db, [("NSE", "EQ", symbol)])
    return key.removeprefix("ISIN:") if key.startswith("ISIN:") else None
