"""Paper documents as the API answers them (money as decimal strings, times in IST)."""

from __future__ import annotations

from tradetrack.money import money_str
from tradetrack.paper.clock import Document
from tradetrack.paper.ledger import BalanceView
from tradetrack.paper.models import AccountOut, OrderOut
from tradetrack.queries import aware
from tradetrack.timeutil import IST


def balance_of(doc: Document) -> BalanceView:
    """An account document's balance."""
    return BalanceView(int(doc["available"]), int(doc["held"]), int(doc.get("debit", 0)))


def balance_version(doc: Document) -> int:
    """The account's balance version: +1 with each update that moves the balance (0: none yet)."""
    return int(doc.get("version", 0))


def account_out(doc: Document) -> AccountOut:
    balance = balance_of(doc)
    return AccountOut.model_validate(
        {
            "accountId": doc["_id"],
            "name": doc["name"],
            "status": doc["status"],
            "startingBalance": money_str(int(doc["startingBalance"])),
            "balance": balance.to_json(),
            "balanceVersion": balance_version(doc),
            "createdAt": aware(doc["createdAt"]).astimezone(IST),
        }
    )


def order_out(doc: Document) -> OrderOut:
    fills = [
        {
            **f,
            "price": money_str(f["price"]),
            "charges": money_str(f["charges"]),
            "at": aware(f["at"]).astimezone(IST),
        }
        for f in doc.get("fills", [])
    ]
    history = [{**h, "at": aware(h["at"]).astimezone(IST)} for h in doc["history"]]
    return OrderOut.model_validate(
        {
            "orderId": doc["_id"],
            "accountId": doc["accountId"],
            "symbol": doc["symbol"],
            "exchange": doc["exchange"],
            "side": doc["side"],
            "type": doc["type"],
            "quantity": doc["quantity"],
            "price": None if (limit := doc.get("limit", doc.get("price"))) is None else money_str(limit),
            "triggerPrice": None if doc.get("triggerPrice") is None else money_str(doc["triggerPrice"]),
            "triggeredAt": None
            if doc.get("triggeredAt") is None
            else aware(doc["triggeredAt"]).astimezone(IST),
            "filledQuantity": int(doc.get("filled", 0)),
            "product": doc["product"],
            "validity": doc["validity"],
            "state": doc["state"],
            "held": money_str(int(doc.get("held", 0))),
            "fills": fills,
            "history": history,
            "createdAt": aware(doc["createdAt"]).astimezone(IST),
            "expiresAt": None if doc.get("expiresAt") is None else aware(doc["expiresAt"]).astimezone(IST),
        }
    )
