"""Recompute of a real-shaped history (`make bench`): 100,000 equity fills over 200 instruments
with 50 corporate actions and 1,000 opening lots, fees omitted (a tradebook's case: every trade
gets the charges estimate) — execution documents in, stored trade documents out, through
tradetrack.derive (what recompute runs for every pair, apart from Mongo I/O).

Goal (issue #13): <= 1.5 s on this machine."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tradetrack.analytics.adjustments import Adjustment
from tradetrack.derive import derive

pytestmark = pytest.mark.bench

Document = dict[str, Any]
FILLS = 100_000
INSTRUMENTS = 200
ACTIONS = 50
OPENING_LOTS = 1_000
GOAL_S = 1.5
START = datetime(2022, 1, 3, 3, 45, tzinfo=UTC)  # 09:15 IST


def history(seed: int = 13) -> tuple[list[list[Document]], dict[str, list[Adjustment]]]:
    """Per instrument: opening lots, then delivery (CNC) and intraday (MIS) activity over ~4 years
    that never sells delivery shares it does not hold; a split or a bonus on 50 of them."""
    rng = random.Random(seed)
    books: list[list[Document]] = []
    adjustments: dict[str, list[Adjustment]] = {}
    per = (FILLS - OPENING_LOTS) // INSTRUMENTS
    for i in range(INSTRUMENTS):
        key = f"ISIN:INE{i:06d}A01"
        base: Document = {"userId": "usr", "accountId": "kite", "instrument": key, "symbol": f"S{i}"}
        base |= {"exchange": "NSE", "segment": "EQ", "source": "zerodha", "fees": 0, "feesGiven": False}
        docs: list[Document] = []
        held = 0
        for n in range(OPENING_LOTS // INSTRUMENTS):
            units = rng.randint(5, 200)
            held += units
            opened = START - timedelta(days=rng.randint(30, 2_000))
            docs.append(
                base
                | {"_id": f"exe_o{i}_{n}", "source": "opening", "externalId": f"lot{n}", "side": "BUY"}
                | {"quantity": units, "price": rng.randint(50_0000, 3000_0000), "executedAt": opened}
                | {"feesGiven": True, "product": "CNC"}
            )
        price, moment = rng.randint(50_0000, 3000_0000), START
        for n in range(per):
            moment += timedelta(minutes=rng.choice((7, 45, 60 * 24, 60 * 24 * 3)))
            price = max(1_0000, price + rng.randint(-price // 50, price // 50))
            intraday = rng.random() < 0.25
            if intraday:
                side = rng.choice(("BUY", "SELL"))
            else:
                side = rng.choice(("BUY", "SELL", "SELL")) if held else "BUY"
            units = rng.randint(1, 100) if intraday or side == "BUY" else rng.randint(1, held)
            if not intraday:
                held += units if side == "BUY" else -units
            docs.append(
                base
                | {"_id": f"exe_{i}_{n}", "externalId": f"NSE:x:{n}", "side": side, "quantity": units}
                | {"price": price, "executedAt": moment, "product": "MIS" if intraday else "CNC"}
            )
        if i < ACTIONS:
            ex = START + timedelta(days=rng.randint(100, 1_200))
            kind, numerator = ("split", rng.choice((2, 5, 10))) if i % 2 else ("bonus", 2)
            adjustments[key] = [Adjustment(f"ca_{i}", kind, ex, numerator, 1)]  # type: ignore[arg-type]
        rng.shuffle(docs)
        books.append(docs)
    return books, adjustments


def test_recompute_of_a_100k_fill_history_with_actions_and_opening_lots(benchmark: Any) -> None:
    books, adjustments = history()
    assert sum(len(book) for book in books) == FILLS
    now = datetime.now(UTC)

    def recompute_all() -> int:
        return sum(
            len(derive(book, as_of=now, adjustments=adjustments.get(book[0]["instrument"], ())).trades)
            for book in books
        )

    trades = benchmark.pedantic(recompute_all, rounds=5, warmup_rounds=1)
    median = benchmark.stats.stats.median
    met = median <= GOAL_S
    benchmark.extra_info.update(
        {
            "fills": FILLS,
            "actions": ACTIONS,
            "openingLots": OPENING_LOTS,
            "trades": trades,
            "goal": f"<= {GOAL_S} s",
        }
    )
    print(
        f"\nrecompute of {FILLS:,} fills, {ACTIONS} corporate actions, {OPENING_LOTS:,} opening lots "
        f"({trades:,} trades): median {median:.3f} s, goal <= {GOAL_S} s: {'met' if met else 'NOT met'}"
    )
    assert trades > 10_000
    assert met, f"recompute took {median:.3f} s (goal {GOAL_S} s)"
