"""bcrypt password hashing.

The password is NFKC-normalised and pre-hashed with SHA-256 (base64) before bcrypt, so that
bcrypt's 72-byte limit neither truncates long passphrases nor rejects them.
"""

from __future__ import annotations

import base64
import hashlib
import unicodedata
from functools import cache

import bcrypt

MIN_LENGTH = 10
MAX_LENGTH = 1024


def _prehash(password: str) -> bytes:
    normalised = unicodedata.normalize("NFKC", password)
    return base64.b64encode(hashlib.sha256(normalised.encode("utf-8")).digest())


def password_problem(password: str) -> str | None:
    """Why this password is not acceptable, or None."""
    if len(password) < MIN_LENGTH:
        return f"password must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"password must be at most {MAX_LENGTH} characters"
    if not password.strip():
        return "password must not be blank"
    if "\x00" in password:
        return "password must not contain NUL characters"
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
