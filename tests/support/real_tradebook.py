"""The real FY 2024-25 Zerodha account in tests/fixtures/imports/real (see its SOURCES.md): its
tradebook as execution documents, its corporate actions, and Zerodha's tax P&L per ISIN."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from tradetrack.analytics.adjustments import Adjustment, from_action
from tradetrack.db.executions import to_document
from tradetrack.imports import zerodha
from tradetrack.instruments.symbols import base_symbol
from tradetrack.money import to_scaled

Document = dict[str, Any]
REAL = Path(__file__).resolve().parents[1] / "fixtures" / "imports" / "real"
TRADEBOOK = REAL / "zerodha_tradebook_fy2024_25.csv"
HOLDINGS = REAL / "zerodha_holdings_2024-03-31.xlsx"
ACTIONS = REAL / "corporate_actions_fy2024_25.json"


def corporate_actions() -> list[Document]:
    return list(json.loads(ACTIONS.read_text()))


def actions_as_adjustments() -> dict[str, list[Adjustment]]:
    """The actions as the engine applies them, by instrument key (the current ISIN's)."""
    found: dict[str, list[Adjustment]] = defaultdict(list)
    for n, action in enumerate(corporate_actions()):
        isin = action["newIsin"] if action["kind"] != "demerger" else action["isin"]
        doc = {"_id": f"real{n}", **action}
        found[f"ISIN:{isin}"].append(from_action(doc))
    return found


def tradebook_documents(user_id: str, account_id: str) -> list[Document]:
    """The tradebook's fills as stored, with the ISIN changes of the corporate actions followed."""
    parsed = zerodha.parse(TRADEBOOK.read_text(), account_id=account_id, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert not parsed.rejected, parsed.rejected
    links = {a["isin"]: a["newIsin"] for a in corporate_actions() if a["kind"] != "demerger"}
    items = [item.model_copy(update={"isin": links.get(item.isin or "", item.isin)}) for item in parsed.items]
    return [to_document(user_id, "zerodha", item) for item in items]


@cache
def expected_by_isin() -> tuple[dict[str, int], dict[str, int], dict[str, str]]:
    """Zerodha's realized P&L per ISIN (scaled 10^4), its long-term units per ISIN (whole units),
    and the symbol each ISIN is reported under."""
    pnl: dict[str, int] = defaultdict(int)
    symbols: dict[str, str] = {}
    for line in (REAL / "expected_tax_pnl_fy2024_25.csv").read_text().splitlines()[1:]:
        symbol, isin, amount, _term = line.split(",")
        pnl[isin] += to_scaled(Decimal(amount))
        symbols[isin] = base_symbol(symbol)
    long_term: dict[str, int] = {}
    by_symbol = {symbol: isin for isin, symbol in symbols.items()}
    for line in (REAL / "zerodha_taxpnl_fy2024_25_longterm.tsv").read_text().splitlines()[1:]:
        symbol, quantity, *_ = line.split("\t")
        long_term[by_symbol[symbol]] = int(Decimal(quantity))
    return dict(pnl), long_term, symbols


def documents_by_instrument(user_id: str, account_id: str) -> dict[str, list[Document]]:
    """The fills by instrument key, the demerged lots of new companies included (as recompute
    gives them: tradetrack.trades)."""
    from tradetrack.derive import derive, spawned_documents

    by_key: dict[str, list[Document]] = defaultdict(list)
    for doc in tradebook_documents(user_id, account_id):
        by_key[doc["instrument"]].append(doc)
    adjustments = actions_as_adjustments()
    for n, action in enumerate(corporate_actions()):
        if action["kind"] != "demerger":
            continue
        parent = f"ISIN:{action['isin']}"
        result = derive(
            by_key[parent], as_of=datetime(2026, 1, 1, tzinfo=UTC), adjustments=adjustments[parent]
        )
        lots = result.spawned.get(f"ca_real{n}", [])
        doc = {"_id": f"real{n}", **action}
        by_key[f"ISIN:{action['newIsin']}"] += spawned_documents(
            by_key[parent][0], doc, lots, account_id=account_id
        )
    return dict(by_key)
