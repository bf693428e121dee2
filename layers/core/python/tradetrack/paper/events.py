"""Paper trading's events: an order's transitions (placed, partially_executed, executed, canceled,
expired, rejected) and its account's balance changes, gathered while an operation runs and sent
when it is done (best effort: the money moved already; a lost event costs a refresh)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tradetrack.money import money_str
from tradetrack.paper.clock import Document
from tradetrack.paper.views import balance_version

Sink = Callable[[list[Document]], None]
ORDER_EVENTS = {
    "pending": "placed",
    "partially_executed": "partially_executed",
    "executed": "executed",
    "canceled": "canceled",
    "expired": "expired",
    "rejected": "rejected",
}


def _discard(events: list[Document]) -> None:
    return None


@dataclass
class Events:
    """What one operation announces, in order; `send` hands them to the sink once."""

    sink: Sink = _discard
    items: list[Document] = field(default_factory=list)

    def order(self, order: Document, *, event: str | None = None) -> None:
        """The order's latest transition (or `event`, e.g. "placed") as a paper_order event."""
        last = order["history"][-1]
        fills = order.get("fills", [])
        kind = event or ORDER_EVENTS[order["state"]]
        self.items.append(
            {
                "type": "paper_order",
                "eventId": f"paper_order:{order['_id']}:{len(order['history'])}:{kind}",
                "userId": order["userId"],
                "accountId": order["accountId"],
                "orderId": order["_id"],
                "event": kind,
                "state": order["state"],
                "symbol": order["symbol"],
                "exchange": order["exchange"],
                "side": order["side"],
                "orderType": order["type"],
                "product": order.get("product", "CNC"),
                "quantity": int(order["quantity"]),
                "filledQuantity": int(order.get("filled", 0)),
                "lastFillQuantity": int(fills[-1]["quantity"])
                if fills and kind.endswith("executed")
                else None,
                "lastFillPrice": money_str(int(fills[-1]["price"]))
                if fills and kind.endswith("executed")
                else None,
                "reason": last.get("reason"),
                "at": last["at"],
            }
        )

    def balance(self, order: Document, account: Document | None = None) -> None:
        """The order's account changed balance (its figures: read when sent, if not given)."""
        item: dict[str, Any] = {
            "type": "paper_balance",
            "userId": order["userId"],
            "accountId": order["accountId"],
        }
        if account is not None:
            item.update(balance_figures(account))
        self.items.append(item)

    def send(self) -> None:
        items, self.items = self.items, []
        if items:
            self.sink(items)


def balance_figures(account: Document) -> dict[str, str | int]:
    """The paper_balance event's figures, with the balance's version (they come from one read)."""
    available, held = int(account["available"]), int(account["held"])
    return {
        "available": money_str(available),
        "held": money_str(held),
        "total": money_str(available + held),
        "version": balance_version(account),
    }
