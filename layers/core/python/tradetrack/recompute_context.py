"""What one recomputation knows beyond a pair's own fills (tradetrack.trades): the other pairs it
must recompute with (a demerger's parent and new company, a stock derivative and the shares it
delivered), and the context a pair is derived in: corporate actions, expiries, the lots other
pairs hand it, the data-quality facts it finds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo.database import Database

from tradetrack import trade_notes
from tradetrack.analytics.adjustments import Adjustment
from tradetrack.analytics.categories import FNO_SEGMENTS
from tradetrack.analytics.expiry_rules import expired_keys
from tradetrack.db.deliveries import contracts_delivering
from tradetrack.db.instrument_aliases import instruments_of
from tradetrack.db.ledgers import Ledger, Pair
from tradetrack.db.settlements import Key
from tradetrack.deliveries import delivers, delivery_documents
from tradetrack.derive import derive, spawned_documents
from tradetrack.instruments.expiry import contract_of
from tradetrack.quality.issues import pair_issues
from tradetrack.timeutil import ist_date

Document = dict[str, Any]


def with_family(pairs: list[Pair], demergers: Sequence[Document]) -> list[Pair]:
    """The pairs and, in each pair's account, the other side of its demergers; parents first (a
    new company's lots come from its parent's)."""
    found = set(pairs)
    for action in demergers:
        child = f"ISIN:{action['newIsin']}"
        for account, instrument in list(found):
            if instrument in action["keys"]:
                found.add((account, child))
            elif instrument == child:
                found |= {(account, key) for key in action["keys"] if key.startswith("ISIN:")}
    children = {f"ISIN:{action['newIsin']}" for action in demergers}
    return sorted(found, key=lambda pair: (pair[1] in children, pair))


def with_deliveries(
    db: Database[Document], user_id: str, pairs: list[Pair]
) -> tuple[list[Pair], dict[Pair, str]]:
    """The pairs with the other side of physical deliveries (tradetrack.deliveries): the equity an
    expired stock derivative delivers into, and the contracts that delivered into an equity; the
    contracts first (their expiry makes the equity's fills). Also {contract pair: equity key}."""
    equities = {instrument for _, instrument in pairs if instrument.startswith(("ISIN:", "EQ:"))}
    found = set(pairs) | contracts_delivering(db, user_id, equities)
    underlying = {pair: symbol for pair in found if (symbol := delivers(pair[1])) is not None}
    expired = expired_keys({instrument for _, instrument in underlying}, datetime.now(UTC))
    underlying = {pair: symbol for pair, symbol in underlying.items() if pair[1] in expired}
    targets: dict[Pair, str] = {}
    if underlying:
        symbols = sorted(set(underlying.values()))
        keys = dict(
            zip(symbols, instruments_of(db, [("NSE", "EQ", symbol) for symbol in symbols]), strict=True)
        )
        targets = {pair: keys[symbol] for pair, symbol in underlying.items()}
        found |= {(account, equity) for (account, _), equity in targets.items()}
    order = {pair: n for n, pair in enumerate(pairs)}
    return sorted(found, key=lambda pair: (pair not in targets, order.get(pair, len(order)), pair)), targets


@dataclass
class Context:
    now: datetime
    adjustments: dict[str, list[Adjustment]]
    demergers: Sequence[Document] = ()
    expired: dict[str, Key] = field(default_factory=dict)  # contracts past expiry, by instrument
    settled: dict[str, int] = field(default_factory=dict)  # their underlying's settlement price, if given
    targets: dict[Pair, str] = field(default_factory=dict)  # physically settled contract → equity key
    delivered: set[tuple[str, str, str]] = field(default_factory=set)  # (account, contract, equity)
    # Demerged lots of the new companies, by (account, instrument): before and after this change
    spawned: dict[bool, dict[Pair, list[Document]]] = field(default_factory=lambda: {False: {}, True: {}})

    def derived(self, ledger: Ledger, *, after: bool = True) -> tuple[list[Document], Document]:
        """The pair's trades with their annotations, and its data-quality issues."""
        executions = ledger.executions() + self.spawned[after].get(ledger.pair, [])
        adjustments = self.adjustments.get(ledger.instrument, [])
        result = derive(executions, as_of=self.now, adjustments=adjustments)
        for action in self.demergers:
            lots = result.spawned.get(f"ca_{action['_id']}")
            if lots and ledger.instrument in action["keys"] and executions:
                child = (ledger.account_id, f"ISIN:{action['newIsin']}")
                docs = spawned_documents(executions[0], action, lots, account_id=ledger.account_id)
                self.spawned[after].setdefault(child, []).extend(docs)
        equity = self.targets.get(ledger.pair)
        if equity is not None and ledger.instrument in self.settled and executions:
            deliveries = delivery_documents(
                result.trades,
                instrument=ledger.instrument,
                price=self.settled[ledger.instrument],
                equity=equity,
                sample=executions[0],
            )
            self.spawned[after].setdefault((ledger.account_id, equity), []).extend(deliveries)
            if deliveries:
                self.delivered.add((ledger.account_id, ledger.instrument, equity))
        docs, orphans = trade_notes.annotate(ledger.annotations, result.trades)
        unsettled = self.expired.get(ledger.instrument) if any(t["status"] == "open" for t in docs) else None
        today = ist_date(self.now)
        # An intraday position still open after its day: the broker squared it off, the fill is missing
        stale = [
            t
            for t in docs
            if t["status"] == "open" and t["book"] == "intraday" and ist_date(t["openedAt"]) < today
        ]
        unknown = ledger.header.get("segment") in FNO_SEGMENTS and contract_of(ledger.instrument) is None
        return docs, pair_issues(ledger, result.unmatched, orphans, unsettled, stale, unknown)
