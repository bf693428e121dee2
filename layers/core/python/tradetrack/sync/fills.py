"""Broker fills as executions: validated like any other fill, the invalid ones reported, not lost."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, get_args

from pydantic import ValidationError

from tradetrack.brokers.base import BrokerFill, BrokerPosition
from tradetrack.models.executions import ExecutionIn, Product, exchange_fill_id
from tradetrack.timeutil import ist_date

_PRODUCTS = set(get_args(Product))


def to_execution(fill: BrokerFill, account_id: str) -> ExecutionIn:
    """The fill as an execution. Its externalId is `exchange:IST trade date:trade_id`, as the
    broker's tradebook file gives it (docs/imports.md, "Fill identity"): Kite's trade_id with the
    IST date of fill_timestamp (exchange_timestamp), https://kite.trade/docs/connect/v3/orders/#trades.

    No broker client reports per-fill charges (BrokerFill.fees stays 0), so fees are left omitted
    and the charge schedule estimates them, unless the charges API prices them (sync/charges.py).
    """
    return ExecutionIn.model_validate(
        {
            "accountId": account_id,
            "symbol": fill.symbol,
            "exchange": fill.exchange,
            "segment": fill.segment,
            "side": fill.side,
            "quantity": fill.quantity,
            "price": fill.price,
            "fees": fill.fees or None,
            "executedAt": fill.executed_at,
            "product": fill.product if fill.product in _PRODUCTS else None,
            "externalId": exchange_fill_id(fill.exchange, ist_date(fill.executed_at), fill.trade_id),
            "orderId": fill.order_id or None,
        }
    )


def to_executions(
    fills: Iterable[BrokerFill], account_id: str
) -> tuple[list[ExecutionIn], list[dict[str, Any]]]:
    """(valid executions, unique by externalId; rejected [{tradeId, reason}])."""
    accepted: dict[str, ExecutionIn] = {}
    rejected: list[dict[str, Any]] = []
    for fill in fills:
        try:
            item = to_execution(fill, account_id)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            rejected.append({"tradeId": fill.trade_id, "symbol": fill.symbol, "reason": problems})
            continue
        accepted.setdefault(item.external_id or fill.trade_id, item)
    return list(accepted.values()), rejected


def with_multipliers(items: Sequence[ExecutionIn], positions: Sequence[BrokerPosition]) -> list[ExecutionIn]:
    """Fills of a contract traded in lots (Kite: MCX, CDS) take the lot's multiplier from the day's
    net positions, which list every instrument traded that day; value = price × quantity × it."""
    lots = {(p.exchange, p.symbol): p.multiplier for p in positions if p.multiplier > 1}
    return [
        item.model_copy(update={"multiplier": lots[(item.exchange, item.symbol)]})
        if item.multiplier is None and (item.exchange, item.symbol) in lots
        else item
        for item in items
    ]
