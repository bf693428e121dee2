"""Schemathesis hooks (SCHEMATHESIS_HOOKS=tests.e2e.schemathesis_hooks): values for the custom
string formats the served document declares, which JSON Schema alone cannot generate validly."""

from __future__ import annotations

import string
from decimal import Decimal

import schemathesis
from hypothesis import strategies as st

from tradetrack.instruments.isin import normalize_isin


def _with_check_digit(body: str) -> str:
    """An ISIN: 11 characters and the ISO 6166 Luhn check digit over their expanded digits."""
    for digit in string.digits:
        candidate = body + digit
        try:
            if normalize_isin(candidate) == candidate:
                return candidate
        except ValueError:
            continue
    raise AssertionError(f"no check digit makes {body} an ISIN")


ISINS = st.builds(
    lambda country, rest: _with_check_digit(country + rest),
    st.text(string.ascii_uppercase, min_size=2, max_size=2),
    st.text(string.ascii_uppercase + string.digits, min_size=9, max_size=9),
)
# A cursor is made by the API (the nextCursor of a page): a client without one asks for the first page.
CURSORS = st.just("")
FINANCIAL_YEARS = st.integers(2000, 2098).map(lambda year: f"{year}-{(year + 1) % 100:02d}")
DECIMALS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2).map(str)

schemathesis.openapi.format("isin", ISINS)
schemathesis.openapi.format("cursor", CURSORS)
schemathesis.openapi.format("decimal", DECIMALS)
schemathesis.openapi.format("financial-year", FINANCIAL_YEARS)
