"""Property test of paper accounts against the real test store: any sequence of placements, fills,
replayed fills, cancels and expiries keeps the balance's invariants (hypothesis, stateful)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

import redis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from pymongo.database import Database

from tradetrack.errors import Conflict, SemanticError
from tradetrack.market.cache import cache_quotes
from tradetrack.market.quote import Quote
from tradetrack.money import from_scaled, to_scaled
from tradetrack.paper import accounts, fills, matching, orders, placement
from tradetrack.paper.ledger import Fill
from tradetrack.paper.models import AccountIn, OrderIn

Db = Database[dict[str, Any]]
USER = "usr_paper_property"
START = "20000"
prices = st.integers(min_value=900, max_value=1100)  # whole rupees around INFY's quote
quantities = st.integers(min_value=1, max_value=8)


def test_any_sequence_keeps_the_balance_invariants(mongo_db: Db, redis_client: redis.Redis) -> None:
    class PaperAccount(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.paper_id = accounts.open_account(
                mongo_db, USER, AccountIn(starting_balance=START)
            ).account_id

        def orders(self, **query: Any) -> list[dict[str, Any]]:
            return list(mongo_db["paper_orders"].find({"accountId": self.paper_id, **query}))

        def place(self, side: str, quantity: int, price: int | None) -> None:
            body = OrderIn(
                symbol="INFY",
                exchange="NSE",
                side=side,
                type="MARKET" if price is None else "LIMIT",
                quantity=quantity,
                price=None if price is None else str(price),
            )
            with contextlib.suppress(SemanticError):  # funds or holdings short: refused, nothing changes
                placement.place_order(mongo_db, redis_client, USER, self.paper_id, body)

        @rule(quantity=quantities, price=prices)
        def limit_buy(self, quantity: int, price: int) -> None:
            self.place("BUY", quantity, price)

        @rule(quantity=quantities, price=prices)
        def limit_sell(self, quantity: int, price: int) -> None:
            self.place("SELL", quantity, price)

        @rule(quantity=quantities, price=prices)
        def market_buy(self, quantity: int, price: int) -> None:
            cache_quotes(
                redis_client,
                [Quote(symbol="NSE:INFY", ltp=from_scaled(price * 10_000), ts=datetime.now(UTC))],
            )
            self.place("BUY", quantity, None)

        @rule(price=prices)
        def tick(self, price: int) -> None:
            matching.match_tick(mongo_db, redis_client, {"NSE:INFY": from_scaled(price * 10_000)})

        @rule(data=st.data())
        def replay_a_fill(self, data: st.DataObject) -> None:
            executed = self.orders(state="executed")
            if executed:
                order = data.draw(st.sampled_from(executed))
                fills.complete(mongo_db, redis_client, order)
                fills.fill_order(mongo_db, redis_client, order["_id"], to_scaled(from_scaled(1)))

        @rule(data=st.data())
        def cancel(self, data: st.DataObject) -> None:
            every = self.orders()
            if every:
                order = data.draw(st.sampled_from(every))
                with contextlib.suppress(Conflict):  # no longer pending
                    orders.cancel_order(mongo_db, redis_client, USER, self.paper_id, order["_id"])

        @invariant()
        def balance_is_consistent(self) -> None:
            account = mongo_db["paper_accounts"].find_one({"_id": self.paper_id})
            assert account is not None
            available, held = int(account["available"]), int(account["held"])
            # Never negative; held is exactly what the pending buys reserve
            assert available >= 0 and held >= 0
            assert held == sum(int(o["held"]) for o in self.orders(state="pending", side="BUY"))
            # Money is conserved: total = starting − what buys cost + what sells brought
            fills = [
                (o["side"], Fill(f["quantity"], f["price"], f["charges"]))
                for o in self.orders(state="executed")
                for f in o["fills"]
            ]
            spent = sum(f.cash_for_buy() for side, f in fills if side == "BUY")
            earned = sum(f.cash_for_sell() for side, f in fills if side == "SELL")
            assert available + held == to_scaled(from_scaled(int(START) * 10_000)) - spent + earned
            # Holdings: bought − sold; free = that − what pending sells reserve; one execution per fill
            owned = sum(f.quantity if side == "BUY" else -f.quantity for side, f in fills)
            holding = mongo_db["paper_holdings"].find_one({"accountId": self.paper_id}) or {
                "quantity": 0,
                "free": 0,
            }
            reserved = sum(int(o["quantity"]) for o in self.orders(state="pending", side="SELL"))
            assert holding["quantity"] == owned >= 0 and holding["free"] == owned - reserved >= 0
            assert mongo_db["executions"].count_documents({"accountId": self.paper_id}) == len(fills)

    run_state_machine_as_test(
        PaperAccount,
        settings=settings(
            max_examples=12, stateful_step_count=12, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
