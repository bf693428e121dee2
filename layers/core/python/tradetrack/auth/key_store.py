"""Where the signing keys live: Secrets Manager (private set) and SSM (public keys).

Read through Powertools Parameters with a 5-minute cache per container, so a rotation
reaches every container within minutes and a warm container makes no call.
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from pydantic import ValidationError

from tradetrack.auth.keys import SigningKeySet, load_public_keys, rotate
from tradetrack.aws import aws_client
from tradetrack.config import get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider, SSMProvider

MAX_AGE_S = 300


@cache
def _secrets() -> SecretsProvider:
    # Powertools Parameters imports boto3 (~150 ms): made on first use, not at cold start.
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    return SecretsProvider(boto3_client=aws_client("secretsmanager"))


@cache
def _ssm() -> SSMProvider:
    from aws_lambda_powertools.utilities.parameters import SSMProvider

    return SSMProvider(boto3_client=aws_client("ssm"))


def signing_keys() -> SigningKeySet:
    raw = _secrets().get(get_settings().auth_signing_secret, max_age=MAX_AGE_S)
    return SigningKeySet.model_validate_json(str(raw))


@cache
def _parse_public(document: str) -> dict[str, RSAPublicKey]:
    return load_public_keys(document)


def public_keys() -> dict[str, RSAPublicKey]:
    raw = _ssm().get(get_settings().auth_public_keys_parameter, max_age=MAX_AGE_S)
    return _parse_public(str(raw))


def reset_key_caches() -> None:
    _secrets.cache_clear()
    _ssm.cache_clear()
    _parse_public.cache_clear()


def _stored_keyset(secrets_client: Any, name: str) -> tuple[bool, SigningKeySet | None]:
    """(secret exists, its key set if it holds one)."""
    try:
        raw = secrets_client.get_secret_value(SecretId=name).get("SecretString")
    except secrets_client.exceptions.ResourceNotFoundException:
        return False, None
    try:
        return True, SigningKeySet.model_validate_json(raw) if raw else None
    except ValidationError:  # a secret created by CloudFormation holds a placeholder until the first rotation
        return True, None


def publish_signing_keys(secrets_client: Any, ssm_client: Any, keyset: SigningKeySet) -> None:
    """Store the private set (creating the secret if needed), then publish its public keys."""
    settings = get_settings()
    exists, _ = _stored_keyset(secrets_client, settings.auth_signing_secret)
    if exists:
        secrets_client.put_secret_value(SecretId=settings.auth_signing_secret, SecretString=keyset.to_json())
    else:
        secrets_client.create_secret(Name=settings.auth_signing_secret, SecretString=keyset.to_json())
    ssm_client.put_parameter(
        Name=settings.auth_public_keys_parameter,
        Value=json.dumps(keyset.public_keys()),
        Type="String",
        Overwrite=True,
    )


def rotate_signing_keys(secrets_client: Any, ssm_client: Any) -> SigningKeySet:
    """Add a new active key, keep the newest previous ones, publish. Creates the secret on first run."""
    _, current = _stored_keyset(secrets_client, get_settings().auth_signing_secret)
    keyset = rotate(current)
    publish_signing_keys(secrets_client, ssm_client, keyset)
    return keyset
