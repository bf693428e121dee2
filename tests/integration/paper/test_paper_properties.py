"""Property test of paper accounts against the real test store: any sequence of placements (CNC and
MIS, market, limit, IOC, stop-loss-market; MIS sells without a long are short sales), ticks with a
limited volume (partial fills), ticks that gap far (an MIS position's margin call, long or short),
replayed fills and cancels keeps the balance's invariants (hypothesis, stateful)."""

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
from tradetrack.paper import accounts, fills, matching, orders, placement, stopout
from tradetrack.paper.ledger import Fill
from tradetrack.paper.models import LIVE_STATES, AccountIn, OrderIn
from tradetrack.paper.rules import Rules

Db = Database[dict[str, Any]]
USER = "usr_paper_property"
START = "20000"
prices = st.integers(min_value=900, max_value=1100)  # whole rupees around INFY's quote
quantities = st.integers(min_value=1, max_value=8)
products = st.sampled_from(["CNC", "MIS"])
sides = st.sampled_from(["BUY", "SELL"])
volumes = st.integers(min_value=0, max_value=5)  # a tick's shares per side (0: unlimited)
picks = st.integers(min_value=0, max_value=1_000)  # which of the stored orders or fills a rule takes
gaps = st.integers(min_value=200, max_value=1800)  # a tick far from the quotes: through any margin


def test_any_sequence_keeps_the_balance_invariants(mongo_db: Db, redis_client: redis.Redis) -> None:
    class PaperAccount(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            opened = accounts.open_account(mongo_db, USER, AccountIn(starting_balance=START))
            self.paper_id = opened.account_id
            self.paper_rules = Rules()

        def orders(self, **query: Any) -> list[dict[str, Any]]:
            found = mongo_db["paper_orders"].find({"accountId": self.paper_id, **query})
            return sorted(found, key=lambda order: (order["createdAt"], order["_id"]))

        def place(self, side: str, quantity: int, price: int | None, **more: Any) -> None:
            body = OrderIn.model_validate(
                {
                    "symbol": "INFY",
                    "exchange": "NSE",
                    "side": side,
                    "type": "MARKET" if price is None else "LIMIT",
                    "quantity": quantity,
                    "price": None if price is None else str(price),
                    **more,
                }
            )
            with contextlib.suppress(SemanticError):  # funds or holdings short: refused, nothing changes
                placement.place_order(
                    mongo_db, redis_client, USER, self.paper_id, body, rules=self.paper_rules
                )

        def quote(self, price: int) -> None:
            cache_quotes(
                redis_client,
                [Quote(symbol="NSE:INFY", ltp=from_scaled(price * 10_000), ts=datetime.now(UTC))],
            )

        @rule(quantity=quantities, price=prices, product=products)
        def limit_buy(self, quantity: int, price: int, product: str) -> None:
            self.place("BUY", quantity, price, product=product)

        @rule(quantity=quantities, price=prices, product=products)
        def limit_sell(self, quantity: int, price: int, product: str) -> None:
            self.place("SELL", quantity, price, product=product)

        @rule(quantity=quantities, price=prices, product=products)
        def market_buy(self, quantity: int, price: int, product: str) -> None:
            self.quote(price)
            self.place("BUY", quantity, None, product=product)

        @rule(price=prices)
        def mis_buy_all_in(self, price: int) -> None:
            # An MIS buy of about all the cash left (the margin call then loses more than it has)
            account = mongo_db["paper_accounts"].find_one({"_id": self.paper_id})
            assert account is not None
            quantity = int(account["available"]) * self.paper_rules.leverage * 99 // 100 // (price * 10_000)
            if quantity > 0:
                self.quote(price)
                self.place("BUY", quantity, None, product="MIS")

        @rule(quantity=quantities, price=prices, limit=prices, side=sides)
        def ioc(self, quantity: int, price: int, limit: int, side: str) -> None:
            self.quote(price)
            self.place(side, quantity, limit, validity="IOC")

        @rule(quantity=quantities, trigger=prices, side=sides)
        def stop_market(self, quantity: int, trigger: int, side: str) -> None:
            self.place(side, quantity, None, type="SL-M", triggerPrice=str(trigger))

        @rule(price=prices, volume=volumes)
        def tick(self, price: int, volume: int) -> None:
            self.paper_rules = Rules(tick_volume=volume)
            quotes = {"NSE:INFY": from_scaled(price * 10_000)}
            matching.match_tick(mongo_db, redis_client, quotes, rules=self.paper_rules)

        @rule(price=gaps)
        def gap(self, price: int) -> None:
            quotes = {"NSE:INFY": from_scaled(price * 10_000)}
            matching.match_tick(mongo_db, redis_client, quotes, rules=self.paper_rules)
            # After the tick no MIS position is left at or past its margin call at that price
            positions = mongo_db["paper_holdings"].find(
                {"accountId": self.paper_id, "product": "MIS", "quantity": {"$ne": 0}}
            )
            assert not [p for p in positions if stopout.reached(p, price * 10_000, self.paper_rules)]

        # the picks are drawn whatever the store holds (an index into what it holds), so the data
        # Hypothesis generates never depends on the store's state (else: FlakyStrategyDefinition)
        @rule(pick=picks, pick_fill=picks)
        def replay_a_fill(self, pick: int, pick_fill: int) -> None:
            filled = [o for o in self.orders() if o.get("fills")]
            if filled:
                # any fill of any order applied again, from a stale copy of the order (settled or not)
                order = filled[pick % len(filled)]
                record = order["fills"][pick_fill % len(order["fills"])]
                fills.apply_fill(mongo_db, redis_client, order, record)
                fills.complete(mongo_db, redis_client, {**order, "settled": False})
                if order["state"] not in LIVE_STATES:
                    fills.fill_order(mongo_db, redis_client, order["_id"], to_scaled(from_scaled(1)))

        @rule(pick=picks)
        def cancel(self, pick: int) -> None:
            every = self.orders()
            if every:
                order = every[pick % len(every)]
                with contextlib.suppress(Conflict):  # no longer pending
                    orders.cancel_order(mongo_db, redis_client, USER, self.paper_id, order["_id"])

        @invariant()
        def balance_is_consistent(self) -> None:
            account = mongo_db["paper_accounts"].find_one({"_id": self.paper_id})
            assert account is not None
            available, held = int(account["available"]), int(account["held"])
            debit = int(account.get("debit", 0))
            live = {"$in": list(LIVE_STATES)}
            # Never negative (a loss beyond the cash is a debit); held is exactly what the live
            # buys still reserve
            assert available >= 0 and held >= 0 and debit >= 0
            # (the live orders opening a position: buys of a long, MIS short sales)
            assert held == sum(int(o["held"]) for o in self.orders(state=live) if fills.opens(o))
            every = self.orders()
            fills_of = [(o, f) for o in every for f in o.get("fills", [])]
            # An order's fills add up to its filled quantity, never more than it asked for
            for o in every:
                assert sum(f["quantity"] for f in o.get("fills", [])) == o.get("filled", 0) <= o["quantity"]
            # Money is conserved: total − debit = starting − what CNC buys cost + what CNC sells
            # brought, and what MIS fills took (margin and charges) or brought back (margin, P&L,
            # less charges)
            cnc = [
                (o["side"], Fill(f["quantity"], f["price"], f["charges"]))
                for o, f in fills_of
                if o["product"] == "CNC"
            ]
            spent = sum(f.cash_for_buy() for side, f in cnc if side == "BUY")
            earned = sum(f.cash_for_sell() for side, f in cnc if side == "SELL")
            mis = sum(int(f["available"]) - int(f["held"]) for o, f in fills_of if o["product"] == "MIS")
            start = to_scaled(from_scaled(int(START) * 10_000))
            assert available + held - debit == start - spent + earned + mis
            # And the books balance: cash − debit + CNC cost + MIS margin = starting + realised − charges
            holdings = {
                h.get("product", "CNC"): h
                for h in mongo_db["paper_holdings"].find({"accountId": self.paper_id})
            }
            invested = int(holdings.get("CNC", {}).get("cost", 0)) + int(
                holdings.get("MIS", {}).get("margin", 0)
            )
            realised = sum(int(f["realised"]) for _, f in fills_of)
            charged = sum(int(f["charges"]) for _, f in fills_of)
            assert available + held - debit + invested == start + realised - charged
            # Holdings per product: bought − sold (an MIS short below zero, never a delivery one);
            # free = that less what live closing orders still reserve (sells of a long, covers of a
            # short), on the position's side of zero
            for product in ("CNC", "MIS"):
                owned = sum(
                    f["quantity"] if o["side"] == "BUY" else -f["quantity"]
                    for o, f in fills_of
                    if o["product"] == product
                )
                reserved = sum(
                    int(o["quantity"]) - int(o.get("filled", 0))
                    for o in self.orders(state=live, product=product)
                    if not fills.opens(o)
                )
                holding = holdings.get(product, {"quantity": 0, "free": 0})
                assert holding["quantity"] == owned and (owned >= 0 or product == "MIS")
                free = owned - reserved if owned >= 0 else owned + reserved
                assert holding["free"] == free and free * owned >= 0
            # The MIS position the account keeps (what a placement reads) is the holding's
            kept = account.get("misPositions", {}).get("NSE:INFY", 0)
            assert kept == holdings.get("MIS", {"quantity": 0})["quantity"]
            # One execution per fill; a settled order keeps no watermark on the account
            assert mongo_db["executions"].count_documents({"accountId": self.paper_id}) == len(fills_of)
            settled = {o["_id"] for o in every if o.get("settled")}
            assert not settled & set(account.get("fillSeq", {}))

    run_state_machine_as_test(
        PaperAccount,
        settings=settings(
            max_examples=15, stateful_step_count=15, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
