"""A corporate action that changes what a holding is: its unit count, its symbol or its ISIN.

Ratio semantics, per kind. `quantity_multiplier()` gives (num, den) in lowest terms with
new units = old units × num / den; the cost of the holding is unchanged by a split, consolidation,
bonus or rename, so the cost per unit scales by den / num.

split — `ratio_from`, `ratio_to` are the old and new face values per share, as NSE states them
    ("Face Value Split (Sub-Division) - From Rs 10/- Per Share To Re 1/- Per Share" → 10, 1);
    ratio_from > ratio_to. Multiplier (ratio_from, ratio_to): 15 shares at ₹1,500 become
    15 × 10 / 1 = 150 shares at ₹150. Fractional face values are scaled to whole numbers
    ("From Rs 2.50 To Re 1" → 25, 10; multiplier (5, 2)).
consolidation — the same face values, rising ("Consolidation of shares From Rs 1/- To Rs 10/-"
    → 1, 10); ratio_from < ratio_to. Multiplier (1, 10): 250 shares become 25. When units do not
    divide evenly the depository pays the fraction in cash; applying that is the caller's job.
bonus — NSE's "Bonus a:b" is a new shares for every b held: ratio_from = a, ratio_to = b. The
    multiplier is (a + b, b): "Bonus 1:1" → (2, 1), 100 shares become 200; "Bonus 3:2" → (5, 2),
    100 shares become 250 (fractional entitlements are settled in cash, again the caller's job).
rename — a new symbol and/or ISIN for the same shares; ratio 1:1, multiplier (1, 1).
merger — the holding is replaced by shares of the surviving company (`new_symbol`/`new_isin`):
    every ratio_from shares held give ratio_to new shares, multiplier (ratio_to, ratio_from), and
    the whole cost moves to the new shares. HDFC into HDFC Bank (record date 13-Jul-2023, scheme
    as announced to the exchanges): 42 HDFC Bank shares for every 25 HDFC shares, ratio_from 25,
    ratio_to 42; 50 HDFC shares become 50 × 42 / 25 = 84 HDFCBANK.
demerger — the holding stays as it is and the holder also receives ratio_to shares of the
    resulting company (`new_symbol`/`new_isin`) for every ratio_from held; the multiplier
    (ratio_to, ratio_from) gives those new units. `cost_percent` is the share of the original cost
    that moves to the new shares, as the company announces it for tax (Income-tax Act s.49(2C)).
    Reliance → Jio Financial Services (record date 20-Jul-2023): 1:1 and 4.68 % (RIL's filing of
    20-Jul-2023), so 10 RELIANCE bought for ₹25,000 leave RELIANCE at ₹23,830 and 10 JIOFIN at
    ₹1,170.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from math import gcd
from typing import Literal, get_args

from tradetrack.instruments.isin import is_valid_isin

ActionKind = Literal["split", "consolidation", "bonus", "rename", "merger", "demerger"]
KINDS: tuple[ActionKind, ...] = get_args(ActionKind)
_NEW_IDENTITY_KINDS = ("rename", "merger", "demerger")


@dataclass(frozen=True)
class CorporateAction:
    kind: ActionKind
    symbol: str
    isin: str | None
    ex_date: date
    ratio_from: int
    ratio_to: int
    new_symbol: str | None
    new_isin: str | None
    cost_percent: Decimal | None  # demerger only: % of the cost moved to the new ISIN
    source: str  # where the action was read, e.g. "nse"
    purpose: str  # the source's own words, kept for review

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        if not self.symbol:
            raise ValueError("symbol is empty")
        for name, isin in (("isin", self.isin), ("new_isin", self.new_isin)):
            if isin is not None and not is_valid_isin(isin):
                raise ValueError(f"{name} {isin!r} is not a valid ISIN")
        self._check_ratio()
        self._check_identity_and_cost()

    def _check_ratio(self) -> None:
        if self.ratio_from <= 0 or self.ratio_to <= 0:
            raise ValueError("ratio_from and ratio_to must be positive")
        if self.kind == "split" and self.ratio_from <= self.ratio_to:
            raise ValueError("a split lowers the face value: ratio_from must exceed ratio_to")
        if self.kind == "consolidation" and self.ratio_from >= self.ratio_to:
            raise ValueError("a consolidation raises the face value: ratio_from must be below ratio_to")
        if self.kind == "rename" and self.ratio_from != self.ratio_to:
            raise ValueError("a rename keeps the units: its ratio is 1:1")

    def _check_identity_and_cost(self) -> None:
        if self.kind in _NEW_IDENTITY_KINDS and not (self.new_symbol or self.new_isin):
            raise ValueError(f"a {self.kind} needs new_symbol or new_isin")
        if self.kind not in _NEW_IDENTITY_KINDS and (self.new_symbol or self.new_isin):
            raise ValueError(f"a {self.kind} keeps the symbol and ISIN")
        if self.kind == "demerger":
            if self.cost_percent is None or not Decimal(0) < self.cost_percent < Decimal(100):
                raise ValueError("a demerger needs cost_percent between 0 and 100 (exclusive)")
        elif self.cost_percent is not None:
            raise ValueError("cost_percent applies to demergers only")

    def quantity_multiplier(self) -> tuple[int, int]:
        """(num, den) in lowest terms: new units = old units × num / den (see the module docstring)."""
        if self.kind in ("split", "consolidation"):
            num, den = self.ratio_from, self.ratio_to
        elif self.kind == "bonus":
            num, den = self.ratio_from + self.ratio_to, self.ratio_to
        elif self.kind == "rename":
            num, den = 1, 1
        else:  # merger, demerger: units of the new ISIN per unit held
            num, den = self.ratio_to, self.ratio_from
        common = gcd(num, den)
        return num // common, den // common
