"""Deterministic randomness: numbers and random generators that are a function of their parts alone."""

from __future__ import annotations

import hashlib
import random


def digest(*parts: object) -> bytes:
    return hashlib.sha256("|".join(str(part) for part in parts).encode()).digest()


def hash_int(*parts: object) -> int:
    return int.from_bytes(digest(*parts)[:8], "big")


def hash_unit(*parts: object) -> float:
    """A number in [-1, 1) from the parts."""
    return hash_int(*parts) / 2**63 - 1.0


def seeded_rng(*parts: object) -> random.Random:
    return random.Random(int.from_bytes(digest(*parts)[:16], "big"))  # noqa: S311 - a simulation
