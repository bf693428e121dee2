"""Access tokens: JWT signed with EdDSA (Ed25519), 15 minutes, `kid` in the header."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Literal

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import BaseModel

from tradetrack.auth.keys import SigningKey

ISSUER = "tradetrack"
AUDIENCE = "tradetrack-api"
ALGORITHM = "EdDSA"
LIFETIME = timedelta(minutes=15)
LEEWAY_S = 5

Role = Literal["user", "admin"]


class AccessClaims(BaseModel):
    sub: str
    role: Role
    iat: float  # with milliseconds (NumericDate allows fractions), so revocation cut-offs are exact
    exp: int
    jti: str


class InvalidToken(Exception):
    """The token is not one we issued, or no longer valid; the reason is for logs, not clients."""


def issue_access_token(user_id: str, role: Role, key: SigningKey, *, now: datetime | None = None) -> str:
    issued = now or datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": user_id,
        "role": role,
        "iat": round(issued.timestamp(), 3),
        "nbf": int(issued.timestamp()),
        "exp": int((issued + LIFETIME).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, key.private_key(), algorithm=ALGORITHM, headers={"kid": key.kid})


def verify_access_token(token: str, public_keys: dict[str, Ed25519PublicKey]) -> AccessClaims:
    """The token's claims if it is a valid, current access token signed by one of our keys."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"malformed token: {exc}") from None
    if header.get("alg") != ALGORITHM:
        raise InvalidToken(f"algorithm {header.get('alg')!r} is not accepted")
    key = public_keys.get(str(header.get("kid")))
    if key is None:
        raise InvalidToken(f"unknown kid {header.get('kid')!r}")
    options = {"require": ["iss", "aud", "sub", "iat", "nbf", "exp", "jti"]}
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            leeway=LEEWAY_S,
            options=options,  # type: ignore[arg-type]
        )
        return AccessClaims.model_validate(claims)
    except (jwt.PyJWTError, ValueError) as exc:
        raise InvalidToken(str(exc)) from None
