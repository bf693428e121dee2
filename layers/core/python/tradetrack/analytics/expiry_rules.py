"""What recomputation does with a pair's contract: close it at expiry, or report it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, time

from tradetrack.analytics.adjustments import Adjustment
from tradetrack.db.settlements import Key
from tradetrack.instruments.expiry import Contract, contract_of
from tradetrack.timeutil import IST

CLOSE = time(15, 30)  # the F&O segment's close: final settlement is at the day's close


def expiry_key(contract: Contract) -> Key | None:
    return None if contract.expiry is None else (contract.exchange, contract.underlying, contract.expiry)


def expired_keys(instruments: Iterable[str], now: datetime) -> dict[str, Key]:
    """The instruments that are contracts past their expiry (by the close of that day)."""
    found: dict[str, Key] = {}
    for instrument in instruments:
        contract = contract_of(instrument)
        key = None if contract is None else expiry_key(contract)
        if contract is not None and key is not None and now >= datetime.combine(key[2], CLOSE, IST):
            found[instrument] = key
    return found


def expiry_adjustments(expired: Mapping[str, Key], prices: Mapping[Key, int]) -> dict[str, Adjustment]:
    """The expiry of each expired instrument whose settlement price is known."""
    adjustments: dict[str, Adjustment] = {}
    for instrument, key in expired.items():
        contract = contract_of(instrument)
        if contract is None or key not in prices:
            continue
        adjustments[instrument] = Adjustment(
            action_id=f"expiry:{instrument}",
            kind="expiry",
            effective_at=datetime.combine(key[2], CLOSE, IST),
            price=contract.settlement(prices[key]),
        )
    return adjustments
