"""ISIN validation and normalisation (ISO 6166).

An ISIN is 12 characters: a 2-letter ISO 3166-1 alpha-2 country code, a 9-character alphanumeric
national security identifier and one check digit. The check digit is computed by expanding letters
to two-digit numbers (A=10 … Z=35) and applying the Luhn "modulus 10, double-add-double" algorithm
to the resulting digit string (ISO 6166:2021 §5 and Annex; see also ANNA's ISIN guidelines,
https://anna-web.org/standards/isin-iso-6166/). Indian ISINs are allotted by NSDL and CDSL under
SEBI's depository regulations, e.g. ``INE009A01021`` (Infosys equity).
"""

from __future__ import annotations

import re

_SHAPE = re.compile(r"[A-Z]{2}[A-Z0-9]{9}[0-9]")


def _expanded_digits(body: str) -> str:
    # int(c, 36) maps 0-9 to themselves and A..Z to 10..35, exactly ISO 6166's expansion.
    return "".join(str(int(char, 36)) for char in body)


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def is_valid_isin(text: str) -> bool:
    """True when ``text`` (exactly, no trimming or case folding) is a well-formed ISIN."""
    return bool(_SHAPE.fullmatch(text)) and _luhn_valid(_expanded_digits(text))


def normalize_isin(text: str | None) -> str | None:
    """Strip and upper-case an ISIN; ``None`` or blank gives ``None``; anything invalid raises.

    Raises ValueError naming the offending value and whether its shape or its check digit is wrong.
    """
    if text is None:
        return None
    candidate = text.strip().upper()
    if not candidate:
        return None
    if not _SHAPE.fullmatch(candidate):
        raise ValueError(
            f"invalid ISIN {text!r}: expected 2 letters, 9 letters/digits and a check digit (12 chars)"
        )
    if not _luhn_valid(_expanded_digits(candidate)):
        raise ValueError(f"invalid ISIN {text!r}: check digit does not match (ISO 6166 Luhn)")
    return candidate
