"""Access tokens are refused whenever anything about them is off."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from functools import cache

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from tradetrack.auth.access_tokens import (
    AUDIENCE,
    ISSUER,
    InvalidToken,
    issue_access_token,
    verify_access_token,
)
from tradetrack.auth.keys import SigningKey, SigningKeySet, load_public_keys, rotate


@pytest.fixture(scope="module")
def keyset() -> SigningKeySet:
    return rotate(None)


@pytest.fixture(scope="module")
def public(keyset: SigningKeySet) -> dict[str, RSAPublicKey]:
    return load_public_keys(json.dumps(keyset.public_keys()))


def b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_a_fresh_token_carries_user_and_role(keyset: SigningKeySet, public: dict[str, RSAPublicKey]) -> None:
    claims = verify_access_token(issue_access_token("usr_1", "admin", keyset.active), public)
    assert (claims.sub, claims.role) == ("usr_1", "admin")
    assert claims.exp - int(claims.iat) == 900


def test_tokens_signed_by_a_rotated_out_key_still_verify_while_it_is_published(keyset: SigningKeySet) -> None:
    # Given a token from the old active key / When the set rotates / Then it still verifies
    token = issue_access_token("usr_1", "user", keyset.active)
    rotated = rotate(keyset)
    assert rotated.active.kid != keyset.active.kid
    assert verify_access_token(token, load_public_keys(json.dumps(rotated.public_keys()))).sub == "usr_1"


ATTACK_NAMES = (
    "alg none",
    "tampered payload",
    "wrong kid",
    "right kid, other key",
    "public key as HMAC secret",
    "expired",
    "not yet valid",
    "wrong audience",
    "no expiry",
    "bad role",
    "garbage",
    "empty",
)


@cache
def _stranger() -> SigningKey:
    """A key that is not ours (made once: RSA key generation is slow)."""
    return rotate(None).active


def attacks(keyset: SigningKeySet) -> dict[str, str]:
    key = keyset.active
    good = issue_access_token("usr_1", "user", key)
    header, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    public_pem = key.public_key_pem()
    now = datetime.now(UTC)
    stranger = _stranger()
    return {
        "alg none": f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': key.kid})}.{payload}.",
        "tampered payload": f"{header}.{b64({**claims, 'role': 'admin'})}.{signature}",
        "wrong kid": jwt.encode(claims, stranger.private_key(), algorithm="RS256", headers={"kid": "nope"}),
        "right kid, other key": jwt.encode(
            claims, stranger.private_key(), algorithm="RS256", headers={"kid": key.kid}
        ),
        "public key as HMAC secret": _hs256_with(public_pem, claims, key.kid),
        "expired": issue_access_token("usr_1", "user", key, now=now - timedelta(minutes=16)),
        "not yet valid": issue_access_token("usr_1", "user", key, now=now + timedelta(minutes=5)),
        "wrong audience": jwt.encode(
            {**claims, "aud": "other"}, key.private_key(), algorithm="RS256", headers={"kid": key.kid}
        ),
        "no expiry": jwt.encode(
            {k: v for k, v in claims.items() if k != "exp"},
            key.private_key(),
            algorithm="RS256",
            headers={"kid": key.kid},
        ),
        "bad role": jwt.encode(
            {**claims, "role": "root"}, key.private_key(), algorithm="RS256", headers={"kid": key.kid}
        ),
        "garbage": "not.a.token",
        "empty": "",
    }


def _hs256_with(secret: str, claims: dict[str, object], kid: str) -> str:
    import hashlib
    import hmac

    head = b64({"alg": "HS256", "typ": "JWT", "kid": kid})
    body = b64(claims)
    mac = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


@pytest.mark.parametrize("attack", ATTACK_NAMES)
def test_forged_or_stale_tokens_are_refused(
    keyset: SigningKeySet, public: dict[str, RSAPublicKey], attack: str
) -> None:
    # Given a token altered in one way / When verified / Then it is refused
    with pytest.raises(InvalidToken):
        verify_access_token(attacks(keyset)[attack], public)


def test_issuer_and_audience_are_ours(keyset: SigningKeySet) -> None:
    claims = jwt.decode(issue_access_token("u", "user", keyset.active), options={"verify_signature": False})
    assert (claims["iss"], claims["aud"]) == (ISSUER, AUDIENCE)
