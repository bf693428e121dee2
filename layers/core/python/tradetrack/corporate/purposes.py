"""NSE's corporate-action PURPOSE text read into capital changes, and nothing is guessed.

The PURPOSE column of NSE's corporate actions download (nseindia.com → Companies → Corporate
Filings → Corporate Actions, "CF-CA-equities" CSV) is free text. The wordings read here are the
ones found in the exchange's own files, old and new:

  split          "Face Value Split (Sub-Division) - From Rs 10/- Per Share To Re 1/- Per Share",
                 "Face Value Split (Sub-Division) - From Rs 2 Per Share To Rs 1 Per Share" (HDFCBANK
                 2019), "Fv Split Rs.10/- To Rs.2/", "Fv Splt Frm Rs 10 To Re 1"
  consolidation  "Consolidation of shares From Rs 1/- To Rs 10/-",
                 "Consolidation Of Equity Shares From Re 1 Per Share To Rs 10 Per Share"
  bonus          "Bonus 1:1", "Bonus 3:2", " Bonus 1:2", "Bonus-1:1", "Bonus Issue 1:2" —
                 "Bonus a:b" is a new shares for every b held, as the companies' filings word it
                 (Alkosign 2025, "Bonus 1:2": "1 (one) … equity share for every 2 (Two) … existing
                 equity shares"; BSE Ltd 2025, "Bonus 2:1": two new shares for every share held)
  combined       "Bonus 1:1 And Face Value Split From Rs.10/- To Rs.5/-": one term per part, in the
                 order the text states them. Their multipliers commute (2 × 2 = 2 × 2), so the order
                 never changes the resulting units; it is kept so a reviewer sees the source order.

A purpose that states no capital change — dividends, AGM/EGM, interest, InvIT distributions,
buy-backs, redemptions — is "not_capital_change". Anything that looks like a capital change but is
not fully read — rights issues, demergers, mergers, amalgamations, schemes of arrangement, capital
reductions, bonus preference shares (Bonus NCRPS), a split whose face values do not fall, or a
known wording with a part left over ("Bonus 1:1 And Rights 1:2") — is "unknown", never half
applied; so is text matching neither list. Face values may be fractional ("Rs 2.50"); they are
scaled to whole numbers keeping their ratio (2.50 → 1 is 25:10).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Literal

TermKind = Literal["split", "consolidation", "bonus"]
Verdict = Literal["capital_change", "not_capital_change", "unknown"]

_MONEY = r"\br[es]\.?\s*(\d{1,6}(?:\.\d{1,4})?)\s*(?:/\s*-?)?(?:\s*per\s+(?:share|sh)\b\.?)?"
_FROM_TO = r"[\s\-:]*(?:(?:from|frm)\s*)?" + _MONEY + r"\s*to\s*" + _MONEY
_SPLIT = re.compile(
    r"(?:face\s*value\s*split|fv\s*spl(?:i)?t|sub[\s-]*division|\bsplit)"
    r"(?:\s*\(\s*sub[\s-]*division\s*\))?" + _FROM_TO,
    re.IGNORECASE,
)
_CONSOLIDATION = re.compile(
    r"(?:\b(?:face\s*value|fv)\s*)?\bconsolidation(?:\s+of\s+(?:equity\s+)?shares?)?" + _FROM_TO,
    re.IGNORECASE,
)
_BONUS = re.compile(r"\bbonus(?:\s+issue)?\s*[-:]?\s*(\d{1,4})\s*:\s*(\d{1,4})\b", re.IGNORECASE)
_CAPITAL_WORDS = re.compile(
    r"\b(?:bonus|split|splt|sub[\s-]*division|consolidat\w*|rights?|demerger|de-merger|merger|"
    r"amalgamation|arrangement|scheme|reduction|reorgani[sz]ation|restructur\w*|reclassification|"
    r"conver(?:sion|t\w*)|spin[\s-]*off|reverse|face\s*value|fv|warrants?|partly|call\s+money|"
    r"(?:first|final)\s+call|preference|ncrps)\b",
    re.IGNORECASE,
)
_NON_CAPITAL_WORDS = re.compile(
    r"\b(?:dividends?|div|intdiv|agm|egm|general\s+meeting|meeting|interest|distribution|"
    r"buy\s*-?\s*back|buyback|redemption|book\s+closure|coupon|income)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Term:
    """One capital change, with CorporateAction's ratio semantics (face values, or bonus a:b)."""

    kind: TermKind
    ratio_from: int
    ratio_to: int


@dataclass(frozen=True)
class Reading:
    verdict: Verdict
    terms: tuple[Term, ...] = ()


_UNKNOWN = Reading("unknown")


def read_purpose(purpose: str) -> Reading:
    text = " ".join(purpose.split())
    found: list[tuple[int, int, Term | None]] = []  # (start, end, term; None if it cannot be one)
    for match in _SPLIT.finditer(text):
        found.append((match.start(), match.end(), _face_values("split", match[1], match[2])))
    for match in _CONSOLIDATION.finditer(text):
        found.append((match.start(), match.end(), _face_values("consolidation", match[1], match[2])))
    for match in _BONUS.finditer(text):
        new, held = int(match[1]), int(match[2])
        found.append((match.start(), match.end(), Term("bonus", new, held) if new and held else None))
    found.sort(key=lambda item: item[0])
    remainder = text
    for start, end, _ in reversed(found):
        remainder = remainder[:start] + " ; " + remainder[end:]
    if _CAPITAL_WORDS.search(remainder) or _overlap(found):
        return _UNKNOWN
    terms = tuple(term for _, _, term in found if term is not None)
    if len(terms) != len(found):
        return _UNKNOWN
    if terms:
        return Reading("capital_change", terms)
    if _NON_CAPITAL_WORDS.search(text):
        return Reading("not_capital_change")
    return _UNKNOWN


def _overlap(found: list[tuple[int, int, Term | None]]) -> bool:
    return any(later[0] < earlier[1] for earlier, later in pairwise(found))


def _face_values(kind: TermKind, old: str, new: str) -> Term | None:
    """A split must lower the face value and a consolidation raise it; else it is not read."""
    try:
        before, after = Decimal(old).normalize(), Decimal(new).normalize()
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        return None
    if before <= 0 or after <= 0:
        return None
    if (kind == "split" and before <= after) or (kind == "consolidation" and before >= after):
        return None
    places = max(0, -int(before.as_tuple().exponent), -int(after.as_tuple().exponent))
    scale = 10**places
    return Term(kind, int(before * scale), int(after * scale))
