from __future__ import annotations

import pytest

from tradetrack.auth.passwords import hash_password, password_problem, verify_password

COST = 4


def test_the_right_password_verifies_and_a_wrong_one_does_not() -> None:
    hashed = hash_password("correct horse battery", cost=COST)
    assert hashed.startswith("$2b$04$")
    assert verify_password("correct horse battery", hashed)
    assert not verify_password("correct horse batterY", hashed)


def test_passphrases_longer_than_bcrypts_72_bytes_are_not_truncated() -> None:
    # Given two passwords equal in their first 72 bytes / When one is hashed / Then the other fails
    base = "x" * 80
    hashed = hash_password(base + "1", cost=COST)
    assert verify_password(base + "1", hashed)
    assert not verify_password(base + "2", hashed)


def test_unicode_forms_that_look_the_same_verify_the_same() -> None:
    # "ﬁ" (U+FB01 ligature) and "fi" are one password after NFKC; so are composed and decomposed é
    hashed = hash_password("ﬁnancial café ₹100", cost=COST)
    assert verify_password("financial cafe\u0301 ₹100", hashed)


def test_a_corrupt_stored_hash_never_verifies() -> None:
    assert not verify_password("anything at all", "not-a-bcrypt-hash")


@pytest.mark.parametrize(
    ("password", "problem"),
    [("short", "at least"), (" " * 12, "blank"), ("a" * 1025, "at most"), ("abcdefghij\x00", "NUL")],
)
def test_unacceptable_passwords_say_why(password: str, problem: str) -> None:
    assert problem in (password_problem(password) or "")


def test_ten_characters_are_enough() -> None:
    assert password_problem("abcdefghij") is None
