"""Physical settlement of stock derivatives: an expired stock future or in-the-money stock option
delivers the shares (SEBI circular SEBI/HO/MRD/DP/CIR/P/2018/67: stock derivatives settle by
delivery, phased in from July 2018; index derivatives settle in cash).

As brokers' contract notes show it, the contract closes at its settlement value (a future at the
underlying's settlement price S, an option at its intrinsic value) and the shares change hands at
S the same day: long call, short put, long future → a delivery BUY; long put, short call, short
future → a delivery SELL (which, without shares held, is an unmatched exit). Economically a long
call's shares cost the strike: S − intrinsic. Out-of-the-money options deliver nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from tradetrack.instruments.expiry import contract_of

Document = dict[str, Any]
DELIVERY_SOURCE = "delivery"
# Cash-settled: the exchanges' index derivatives
INDEX_UNDERLYINGS = frozenset(
    {"NIFTY", "BANKNIFTY", "FINNIFTY", "MIDCPNIFTY", "NIFTYNXT50", "SENSEX", "BANKEX", "SENSEX50"}
)


def delivers(instrument: str) -> str | None:
    """The underlying symbol of a physically settled contract (NFO/BFO stock derivative), else None."""
    contract = contract_of(instrument)
    if (
        contract is None
        or contract.exchange not in ("NFO", "BFO")
        or contract.underlying in INDEX_UNDERLYINGS
    ):
        return None
    return contract.underlying


def delivery_documents(
    trades: Sequence[Document], *, instrument: str, price: int, equity: str, sample: Document
) -> list[Document]:
    """The delivery fills the expiry of `instrument` at the underlying's settlement `price` makes,
    in equity instrument `equity`, from the trades the expiry closed."""
    contract = contract_of(instrument)
    if contract is None or contract.expiry is None:
        return []
    if contract.kind != "FUT" and contract.settlement(price) <= 0:
        return []  # out of the money: nothing is exercised
    settle_id = f"expiry:{instrument}"
    docs = []
    for trade in trades:
        units = sum(
            int(r["quantity"]) for r in trade.get("realizations") or () if r["exitExecutionId"] == settle_id
        )
        if not units:
            continue
        long = trade["direction"] == "LONG"
        buys = long if contract.kind in ("FUT", "CE") else not long
        digest = hashlib.sha256(f"{sample['userId']}|{trade['_id']}|{settle_id}".encode()).hexdigest()[:24]
        settled_at = next(r["at"] for r in trade["realizations"] if r["exitExecutionId"] == settle_id)
        docs.append(
            {
                "_id": f"dlv_{digest}",
                "userId": sample["userId"],
                "accountId": sample["accountId"],
                "instrument": equity,
                "symbol": contract.underlying,
                "exchange": "NSE" if contract.exchange == "NFO" else "BSE",
                "segment": "EQ",
                "side": "BUY" if buys else "SELL",
                "quantity": units * int(trade.get("multiplier") or 1),
                "price": price,
                "fees": 0,
                "feesGiven": False,
                "executedAt": settled_at,
                "product": "CNC",
                "source": DELIVERY_SOURCE,
                "externalId": f"{instrument}:{trade['_id']}",
            }
        )
    return docs
