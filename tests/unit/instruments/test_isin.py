"""ISO 6166 ISINs: shape, Luhn check digit over letters expanded A=10..Z=35, normalisation."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradetrack.instruments.isin import is_valid_isin, normalize_isin

REAL_ISINS = [
    "INE009A01021",  # Infosys
    "INE002A01018",  # Reliance Industries
    "INE467B01029",  # Tata Consultancy Services
    "INE040A01034",  # HDFC Bank
    "US0378331005",  # Apple (ISO 6166's usual worked example)
]


@pytest.mark.parametrize("isin", REAL_ISINS)
def test_real_isins_are_valid(isin: str) -> None:
    # Given an ISIN issued by NSDL/ANNA / When checked / Then it is valid
    assert is_valid_isin(isin)


@pytest.mark.parametrize("isin", REAL_ISINS)
def test_every_other_check_digit_is_rejected(isin: str) -> None:
    # Given a real ISIN / When its check digit is replaced by any other digit / Then it is invalid
    for digit in string.digits:
        if digit != isin[-1]:
            assert not is_valid_isin(isin[:-1] + digit), isin[:-1] + digit


@pytest.mark.parametrize(
    "text",
    [
        "INE009A0102",  # 11 characters
        "INE009A010210",  # 13 characters
        "1NE009A01021",  # country code must be letters
        "INE009A0102A",  # check character must be a digit
        "ine009a01021",  # lower case is not an ISIN until normalised
        " INE009A01021",  # nor is untrimmed text
        "INE009A0-021",
        "",
    ],
)
def test_malformed_text_is_not_an_isin(text: str) -> None:
    assert not is_valid_isin(text)


def test_adjacent_transposition_in_body_is_caught() -> None:
    # Given Reliance's ISIN with two body digits swapped (0 1 -> 1 0) / Then the check digit no longer fits
    assert not is_valid_isin("INE002A10018")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("INE009A01021", "INE009A01021"),
        ("  ine467b01029\n", "INE467B01029"),
        ("Ine002a01018", "INE002A01018"),
    ],
)
def test_normalize_strips_and_uppercases(raw: str, expected: str) -> None:
    assert normalize_isin(raw) == expected


@pytest.mark.parametrize("blank", [None, "", "   ", "\t"])
def test_normalize_blank_is_none(blank: str | None) -> None:
    assert normalize_isin(blank) is None


def test_normalize_rejects_a_wrong_check_digit_saying_so() -> None:
    # Given Infosys' ISIN with check digit 2 instead of 1 / When normalised / Then ValueError names the fault
    with pytest.raises(ValueError, match=r"'INE009A01022'.*check digit"):
        normalize_isin("INE009A01022")


def test_normalize_rejects_a_wrong_shape_saying_so() -> None:
    with pytest.raises(ValueError, match=r"'INE009'.*12 chars"):
        normalize_isin("INE009")


@given(
    country=st.text(alphabet=string.ascii_uppercase, min_size=2, max_size=2),
    body=st.text(alphabet=string.ascii_uppercase + string.digits, min_size=9, max_size=9),
)
def test_exactly_one_check_digit_completes_any_body(country: str, body: str) -> None:
    # Given any well-shaped 11-character prefix / When all ten check digits are tried
    # Then exactly one makes a valid ISIN (the check digit is a function of the prefix)
    valid = [digit for digit in string.digits if is_valid_isin(country + body + digit)]
    assert len(valid) == 1
