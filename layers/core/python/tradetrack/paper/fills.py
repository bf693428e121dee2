"""Fills: claiming the next fill of a live order (the move from its previous fill sequence is the
claim), then applying every fill recorded on it to the balance, the holding and the journal, each
once and in order (replay-safe); an ended order with every fill applied retires its watermarks."""

from __future__ import annotations

from datetime import datetime

import redis
from pymongo.database import Database

from tradetrack.db.executions import execution_id
from tradetrack.executions import record_execution
from tradetrack.models.executions import ExecutionIn
from tradetrack.money import from_scaled
from tradetrack.paper import account_store, book, holding_store, order_store
from tradetrack.paper.clock import SOURCE, Clock, Document, utc_now
from tradetrack.paper.events import Events
from tradetrack.paper.ledger import Step, buy_step, sell_step
from tradetrack.paper.models import LIVE_STATES
from tradetrack.paper.rules import Rules, rules_or_settings
from tradetrack.queries import aware
from tradetrack.risk.exposure import journal_changed
from tradetrack.timeutil import ist_date


def fill_key(order_id: str, seq: int) -> str:
    return f"{order_id}:{seq}"


def remaining(order: Document) -> int:
    return int(order["quantity"]) - int(order.get("filled", 0))


def is_short(order: Document) -> bool:
    """Whether the order trades an MIS short position (a short sale, or a buy covering one)."""
    return bool(order.get("position") == "short")


def opens(order: Document) -> bool:
    """Whether the order opens (or adds to) a position: a buy of a long, a short sale. It holds
    funds while live; an order closing a position reserves its quantity instead."""
    return bool((order["side"] == "BUY") != is_short(order))


def crosses_position(order: Document, holding: Document | None) -> bool:
    """An opening MIS order whose position turned the other way meanwhile (a short sale placed
    flat, then a buy filled first): it must not fill (one position per instrument and product)."""
    quantity = int((holding or {}).get("quantity", 0))
    return opens(order) and (quantity < 0 if order["side"] == "BUY" else quantity > 0)


def _step(
    db: Database[Document], order: Document, quantity: int, price: int, at: datetime, rules: Rules
) -> Step:
    mis = order.get("product") == "MIS"
    day = ist_date(at)
    turnover = int(order.get("turnover", 0))
    if opens(order):
        return buy_step(
            order["symbol"],
            mis=mis,
            leverage=int(order.get("leverage", rules.leverage)),
            day=day,
            quantity=quantity,
            price=price,
            turnover_before=turnover,
            held=int(order["held"]),
            last=quantity == remaining(order),
            buy=order["side"] == "BUY",
        )
    holding = holding_store.get_holding(
        db, order["accountId"], order["exchange"], order["symbol"], order.get("product", "CNC")
    )
    holding = holding or {}
    return sell_step(
        order["symbol"],
        mis=mis,
        day=day,
        quantity=quantity,
        price=price,
        turnover_before=turnover,
        owned=abs(int(holding.get("quantity", 0))),
        cost_basis=int(holding.get("cost", 0)),
        margin_held=int(holding.get("margin", 0)),
        short=is_short(order),
    )


def fill_order(
    db: Database[Document],
    cache: redis.Redis,
    order_id: str,
    price: int,
    *,
    quantity: int | None = None,
    now: Clock = utc_now,
    rules: Rules | None = None,
    events: Events | None = None,
) -> Document | None:
    """Fill `quantity` (default: all that remains) of a live order at `price` as its next fill, then
    apply its fills. A second caller (a replay, a parallel tick) loses the claim and only completes
    what is missing. None: no such order, or it ended first (nothing filled by this call)."""
    at = now()
    order = order_store.order_by_id(db, order_id)
    if order is None:
        return None
    claimed: Document | None = None
    if order["state"] in LIVE_STATES:
        size = min(quantity or remaining(order), remaining(order))
        step = _step(db, order, size, price, at, rules_or_settings(rules))
        seq = int(order.get("seq", 0)) + 1
        record = {
            "seq": seq,
            "quantity": step.quantity,
            "price": step.price,
            "charges": step.charges,
            "at": at,
            "executionId": execution_id(order["userId"], order["accountId"], SOURCE, fill_key(order_id, seq)),
            "held": step.held,
            "available": step.available,
            "cost": step.cost,
            "margin": step.margin,
            "realised": step.realised,
        }
        last = size == remaining(order)
        claimed = order_store.claim_fill(
            db,
            cache,
            order_id,
            seq,
            target="executed" if last else "partially_executed",
            at=at,
            record=record,
            fields={
                "filled": int(order.get("filled", 0)) + size,
                "turnover": int(order.get("turnover", 0)) + size * price,
                "held": int(order.get("held", 0)) - step.held,
            },
        )
        if claimed is not None and claimed["state"] == "executed":
            book.unindex(cache, claimed)
        if claimed is not None and events is not None:
            events.order(claimed)
            events.balance(claimed)
    current = claimed or order_store.order_by_id(db, order_id) or order
    complete(db, cache, current)
    return order_store.order_by_id(db, order_id) if claimed is not None else None


def complete(db: Database[Document], cache: redis.Redis, order: Document) -> None:
    """Apply every fill recorded on the order (each applies once, in order) and, once the order
    has ended, retire its watermarks. Safe to run any number of times."""
    if order.get("settled"):
        return
    for record in order.get("fills", []):
        apply_fill(db, cache, order, record)
    if order["state"] not in LIVE_STATES and order.get("fills"):
        order_store.retire(db, cache, order)


def apply_fill(db: Database[Document], cache: redis.Redis, order: Document, record: Document) -> None:
    """Apply one recorded fill to the balance, the holding and the journal, once each."""
    seq = int(record["seq"])
    quantity = int(record["quantity"])
    signed = quantity if order["side"] == "BUY" else -quantity
    account_store.settle(
        db,
        cache,
        order["accountId"],
        order["_id"],
        seq,
        held=int(record["held"]),
        available=int(record["available"]),
        position=(order["exchange"], order["symbol"], signed) if order.get("product") == "MIS" else None,
    )
    holding_store.apply_to_holding(
        db,
        cache,
        order,
        seq,
        quantity=signed,
        free=signed if opens(order) else 0,  # a closing order's quantity was reserved when placed
        cost=int(record.get("cost", 0)),
        margin=int(record.get("margin", 0)),
    )
    item = ExecutionIn.model_validate(
        {
            "accountId": order["accountId"],
            "symbol": order["symbol"],
            "exchange": order["exchange"],
            "side": order["side"],
            "quantity": quantity,
            "price": from_scaled(int(record["price"])),
            "fees": from_scaled(int(record["charges"])),
            "executedAt": aware(record["at"]),
            "product": order["product"],
            "externalId": fill_key(order["_id"], seq),
            "orderId": order["_id"],
        }
    )
    record_execution(db, cache, order["userId"], SOURCE, item)
    journal_changed(cache, order["userId"])  # the pre-trade check's kept journal is stale now
