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

from tradetrack.brokers.base import BrokerPosition
from tradetrack.models.executions import ExecutionIn


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
