"""Sending paper events to the notifications queue (tradetrack.notify: paper_order is a
notification, inbox and WebSocket push and email/SMS as the user prefers; paper_balance is a live
event, pushed to the user's open connections only). Best effort: the money moved already."""

from __future__ import annotations

from pymongo.database import Database

from tradetrack.notify.events import parse_event
from tradetrack.notify.sender import send_events
from tradetrack.paper.account_store import accounts_by_id
from tradetrack.paper.clock import Document
from tradetrack.paper.events import Sink, balance_figures


def with_balances(db: Database[Document], items: list[Document]) -> list[Document]:
    """The events, each account's balance changes reduced to one, with its figures as now stored."""
    accounts = {i["accountId"] for i in items if i["type"] == "paper_balance"}
    figures = {a["_id"]: balance_figures(a) for a in accounts_by_id(db, sorted(accounts))} if accounts else {}
    out, seen = [], set()
    for item in items:
        if item["type"] != "paper_balance":
            out.append(item)
        elif item["accountId"] not in seen and item["accountId"] in figures:
            seen.add(item["accountId"])
            out.append({**item, **figures[item["accountId"]]})
    return out


def queue_sink(db: Database[Document], queue_url: str) -> Sink:
    def send(items: list[Document]) -> None:
        events = [
            parse_event({k: v for k, v in i.items() if v is not None}) for i in with_balances(db, items)
        ]
        # the money moved: a lost event costs a refresh, not data
        send_events(queue_url, events, what="paper event", lost_metric="PaperEventsLost")

    return send
