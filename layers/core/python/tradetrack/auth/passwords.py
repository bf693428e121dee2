"""Password rules (NIST SP 800-63B) and bcrypt hashing.

Rules: 10 to 1024 characters, no composition rules; refused when found in the bundled list of
common breached passwords, when a repeated pattern or a run of consecutive characters, and when
built on context words (the email's local part, the user's name, the service's name). Reasons
name the rule, never the password.

The password is NFKC-normalised and pre-hashed with SHA-256 (base64) before bcrypt, so that
bcrypt's 72-byte limit neither truncates long passphrases nor rejects them.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib import resources

import bcrypt

MIN_LENGTH = 10
MAX_LENGTH = 1024
SERVICE_WORDS = ("tradetrack",)
# Every password of 10 characters or more among SecLists' 1,000,000 most common (lower-cased, sorted,
# gzip): docs/security.md says where it comes from and how to rebuild it.
COMMON_PASSWORDS_FILE = "common_passwords.txt.gz"

TOO_COMMON = "password is too common: it appears in lists of breached passwords"
REPETITIVE = "password must not be one character or pattern repeated"
SEQUENTIAL = "password must not be a run of consecutive characters (like 1234567890 or qwertyuiop)"
CONTEXTUAL = "password must not be built on your email address, your name or the service's name"

_SEQUENCES = (
    "0123456789" * 3,
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
)
_NOT_ALNUM = re.compile(r"[\W_]+")


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list, read once on first use (about 30 ms)."""
    data = resources.files(__package__).joinpath(COMMON_PASSWORDS_FILE).read_bytes()
    return frozenset(gzip.decompress(data).decode("utf-8").split("\n")) - {""}


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _is_repetitive(text: str) -> bool:
    """One unit repeated to the end (aaaaaaaaaa, abababababab, passwordpassword)."""
    return len(text) <= 1 or any(text[p:] == text[:-p] for p in range(1, len(text) // 2 + 1))


def _is_sequential(text: str) -> bool:
    return any(text in seq or text in seq[::-1] for seq in _SEQUENCES)


def _weakness(folded: str) -> str | None:
    """Why a (normalised, lower-cased) password is guessable, or None."""
    if folded in common_passwords():
        return TOO_COMMON
    bare = _NOT_ALNUM.sub("", folded) or folded
    if _is_repetitive(folded) or _is_repetitive(bare):
        return REPETITIVE
    if _is_sequential(folded) or _is_sequential(bare):
        return SEQUENTIAL
    return None


def context_words(*, email: str | None = None, name: str | None = None) -> tuple[str, ...]:
    """The words a user's password must not be built on: the email's local part (whole and its
    parts), the name's words, the service's name; words under 3 characters are too short to tell."""
    words: set[str] = set(SERVICE_WORDS)
    if email:
        local = _fold(email.partition("@")[0])
        words.add(_NOT_ALNUM.sub("", local))
        words.update(_NOT_ALNUM.split(local))
    if name:
        folded = _fold(name)
        words.add(_NOT_ALNUM.sub("", folded))
        words.update(_NOT_ALNUM.split(folded))
    return tuple(sorted((w for w in words if len(w) >= 3), key=len, reverse=True))


def _prehash(password: str) -> bytes:
    normalised = unicodedata.normalize("NFKC", password)
    return base64.b64encode(hashlib.sha256(normalised.encode("utf-8")).digest())


def _form_problem(password: str) -> str | None:
    if len(password) < MIN_LENGTH:
        return f"password must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"password must be at most {MAX_LENGTH} characters"
    if not password.strip():
        return "password must not be blank"
    if "\x00" in password:
        return "password must not contain NUL characters"
    return None


def password_problem(password: str, *, context: Iterable[str] = SERVICE_WORDS) -> str | None:
    """Why this password is not acceptable, or None. `context`: context_words() of the user."""
    form = _form_problem(password)
    if form:
        return form
    folded = _fold(password)
    weakness = _weakness(folded)
    if weakness:
        return weakness
    bare = _NOT_ALNUM.sub("", folded)
    rest = bare
    for word in context:
        rest = rest.replace(word, "")
    # The context words do not count: what is left must be a password of its own.
    if rest != bare and (len(rest) < MIN_LENGTH or _weakness(rest)):
        return CONTEXTUAL
    return None


def hash_password(password: str, *, cost: int) -> str:
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds=cost)).decode("ascii")


def verify_password(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(_prehash(password), hashed.encode("ascii"))
    except ValueError:  # a malformed stored hash never verifies
        return False


@cache
def _dummy_hash(cost: int) -> str:
    return hash_password("not-a-real-password", cost=cost)


def spend_verification_time(password: str, *, cost: int) -> None:
    """Do the work of a verification for an unknown account, so timing does not reveal it."""
    verify_password(password, _dummy_hash(cost))
