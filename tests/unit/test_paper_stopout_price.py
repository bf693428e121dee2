"""The stop-out index's score (tradetrack.paper.ledger.stopout_price) is exactly the margin call's
rule: a price reaches a position's stop-out (its loss at least `pct`% of its margin) if and only if
it is at or under a long's score, at or over a short's."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tradetrack.paper.ledger import position_loss, stopout_loss, stopout_price


@given(
    quantity=st.integers(min_value=-5_000, max_value=5_000).filter(bool),
    price_at_open=st.integers(min_value=1, max_value=50_000_000),
    margin=st.integers(min_value=0, max_value=10**12),
    pct=st.integers(min_value=1, max_value=200),
    moves=st.lists(st.integers(min_value=-3, max_value=3), min_size=1, max_size=5),
)
def test_a_price_is_at_the_score_exactly_when_the_loss_reaches_the_stopout(
    quantity: int, price_at_open: int, margin: int, pct: int, moves: list[int]
) -> None:
    # Given a position opened at a price (its cost: what a long paid, a short's proceeds)
    cost = abs(quantity) * price_at_open
    found = stopout_price(quantity, cost, margin, pct)
    if margin == 0:
        # Then a position with no margin has nothing to stop out
        assert found is None
        return
    assert found is not None
    side, score = found
    assert side == ("long" if quantity > 0 else "short")
    # When the price is at the score or a few paise either side of it
    for move in moves:
        price = score + move
        reached = position_loss(quantity, cost, price) >= stopout_loss(margin, pct)
        # Then the loss reaches the stop-out exactly when the index says so
        assert reached == (price <= score if side == "long" else price >= score)
