from __future__ import annotations

import pytest

from tradetrack.auth.passwords import (
    CONTEXTUAL,
    REPETITIVE,
    SEQUENTIAL,
    TOO_COMMON,
    common_passwords,
    context_words,
    hash_password,
    password_problem,
    verify_password,
)

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
    # (ten consecutive letters, abcdefghij, were the example here before runs were refused: issue #15)
    assert password_problem("kp7-mango!") is None


# --- NIST SP 800-63B rules (issue #15 item 6) ------------------------------------------------------

CONTEXT = context_words(email="asha.verma@example.in", name="Asha Verma")


@pytest.mark.parametrize("password", ["aaaaaaaaaa", "1234567890", "qwertyuiop", "Password123", "0987654321"])
def test_the_issues_examples_and_other_breached_passwords_are_refused_as_too_common(password: str) -> None:
    # Given a password in the bundled breached list (case does not matter) / When checked
    problem = password_problem(password)
    # Then it is refused as too common, and the reason does not echo it
    assert problem == TOO_COMMON
    assert password.lower() not in problem.lower()


@pytest.mark.parametrize(
    "password", ["zzzzzzzzzzzzzzzzz", "xyzxyzxyzxyzxyz", "ab ab ab ab ab ab", "€€€€€€€€€€"]
)
def test_one_character_or_pattern_repeated_is_refused(password: str) -> None:
    # Given a repetition that no breached list holds / When checked / Then refused as repetitive
    assert password not in common_passwords()
    assert password_problem(password) == REPETITIVE


@pytest.mark.parametrize("password", ["9876543210987", "pqrstuvwxyz", "mnbvcxzlkjhg", "6yhn7ujm8ik9ol"])
def test_runs_of_consecutive_characters_are_refused(password: str) -> None:
    # Given a run along the digits, the alphabet or the keyboard (either way), not in the list
    assert password not in common_passwords()
    # When checked / Then refused as sequential
    assert password_problem(password) == SEQUENTIAL


@pytest.mark.parametrize(
    "password",
    ["asha1234567", "AshaVerma!2026", "tradetrack2026", "Tradetrack is great", "verma-asha-aaaaaaaaaa"],
)
def test_passwords_built_on_the_email_the_name_or_the_service_are_refused(password: str) -> None:
    # Given a password that is fine without context, or nearly: what is left without the words is weak
    # When checked with the user's context words / Then refused as contextual
    assert password_problem(password, context=CONTEXT) == CONTEXTUAL


@pytest.mark.parametrize(
    "password",
    ["correct horse battery staple", "my dog asha loves long walks", "monsoon-chai-at-5", "कमल का फूल 2026"],
)
def test_long_uncommon_passphrases_are_accepted_even_when_they_mention_a_context_word(password: str) -> None:
    # Given passphrases without composition rules (a context word inside a long one is fine)
    # When checked / Then accepted
    assert password_problem(password, context=CONTEXT) is None


def test_context_words_are_the_local_part_its_pieces_the_name_and_the_service() -> None:
    # Given an email and a name / When their context words are taken / Then short pieces are left out
    words = context_words(email="Li.Wei-Ng@example.in", name="Li Wei Ng")
    assert set(words) == {"tradetrack", "liweing", "wei"}


def test_the_bundled_list_holds_over_100k_passwords_of_ten_characters_or_more() -> None:
    # Given the list shipped in the layer / When loaded / Then >= 100,000 entries, all long, lower-case
    bundled = common_passwords()
    assert len(bundled) >= 100_000
    assert min(len(p) for p in bundled) >= 10
    assert all(p == p.lower() for p in bundled)
