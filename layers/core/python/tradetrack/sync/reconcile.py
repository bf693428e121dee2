"""Position reconciliation: the broker's net positions against the journal's open lots.

Compared per instrument (all products together): the broker's net quantity against the journal's
open quantity plus the new fills of this sync that are still on their way to the journal. Only
instruments in the broker's positions or in today's fills are compared: long-held delivery stock
is in the broker's holdings, not its positions, and an instrument the journal holds from before
the account was connected cannot be confirmed or denied by a positions call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pymongo.database import Database

from tradetrack.brokers.base import BrokerPosition
from tradetrack.db.instrument_aliases import instruments_of
from tradetrack.models.executions import SEGMENT_OF_EXCHANGE, ExecutionIn


def position_keys(
    db: Database[dict[str, Any]], positions: Sequence[BrokerPosition], executions: Sequence[ExecutionIn]
) -> list[str]:
    """The instrument key of each position: a position with fills in this sync takes their key (the
    same alias lookup made it, tradetrack.db.instrument_aliases.with_isins); the others are looked
    up (instruments_of: no read when every position has fills, as a day's trading usually does)."""
    of_fills: dict[tuple[str, str], str] = {
        (item.exchange, item.symbol): item.instrument for item in executions
    }
    others = [p for p in positions if (p.exchange, p.symbol) not in of_fills]
    looked = instruments_of(
        db, [(p.exchange, SEGMENT_OF_EXCHANGE.get(p.exchange, "EQ"), p.symbol) for p in others]
    )
    found = dict(zip(((p.exchange, p.symbol) for p in others), looked, strict=True))
    return [of_fills.get((p.exchange, p.symbol)) or found[(p.exchange, p.symbol)] for p in positions]


def broker_net(positions: Sequence[BrokerPosition], instruments: Sequence[str]) -> dict[str, int]:
    """Net quantity per instrument key (`instruments[i]` is the key of `positions[i]`)."""
    net: dict[str, int] = {}
    for position, instrument in zip(positions, instruments, strict=True):
        net[instrument] = net.get(instrument, 0) + position.quantity
    return net


def pending_net(executions: Iterable[ExecutionIn]) -> dict[str, int]:
    net: dict[str, int] = {}
    for item in executions:
        signed = item.quantity if item.side == "BUY" else -item.quantity
        net[item.instrument] = net.get(item.instrument, 0) + signed
    return net


def reconcile(
    broker: Mapping[str, int],
    journal: Mapping[str, int],
    pending: Mapping[str, int],
    instruments: Iterable[str],
) -> dict[str, Any]:
    """{"matched": n, "mismatches": [{instrument, broker, journal, difference}]} over `instruments`."""
    matched = 0
    mismatches: list[dict[str, Any]] = []
    for instrument in sorted(set(instruments)):
        theirs = broker.get(instrument, 0)
        ours = journal.get(instrument, 0) + pending.get(instrument, 0)
        if theirs == ours:
            matched += 1
        else:
            mismatches.append(
                {"instrument": instrument, "broker": theirs, "journal": ours, "difference": theirs - ours}
            )
    return {"matched": matched, "mismatches": mismatches}
