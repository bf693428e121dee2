"""Access tokens: JWT signed with RS256, 15 minutes, `kid` in the header."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from pydantic import BaseModel

from tradetrack.auth.keys import SigningKey

ISSUER = "tradetrack"
AUDIENCE = "tradetrack-api"
ALGORITHM = "RS256"
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


def issue_access_token(
    user_id: str, role: Role, key: SigningKey, *, now: datetime | None = None, jti: str | None = None
) -> str:
    issued = now or datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": user_id,
        "role": role,
        "iat": round(issued.timestamp(), 3),
        "nbf": int(issued.timestamp()),
        "exp": int((issued + LIFETIME).timestamp()),
        "jti": jti or uuid.uuid4().hex,
    }
    return jwt.encode(claims, key.private_key(), algorithm=ALGORITHM, headers={"kid": key.kid})


def _header(token: str) -> dict[str, Any]:
    """The JOSE header, read cheaply to pick the key (PyJWT then verifies the whole token)."""
    try:
        segment = token.split(".", 1)[0]
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidToken(f"malformed token header: {exc}") from None
    if not isinstance(header, dict):
        raise InvalidToken("malformed token header")
    return header


def verify_access_token(token: str, public_keys: dict[str, RSAPublicKey]) -> AccessClaims:
    """The token's claims if it is a valid, current access token signed by one of our keys."""
    header = _header(token)
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
