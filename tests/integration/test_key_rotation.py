"""Signing-key rotation (the auth_keys function) against moto's Secrets Manager and SSM."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from functions.auth_keys.handler import lambda_handler
from tests.support.lambda_events import lambda_context
from tradetrack.auth.access_tokens import issue_access_token, verify_access_token
from tradetrack.auth.keys import MAX_KEYS, SigningKeySet, load_public_keys
from tradetrack.config import Settings


def stored(settings: Settings) -> tuple[SigningKeySet, dict[str, Any]]:
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=settings.auth_signing_secret)
    public = boto3.client("ssm").get_parameter(Name=settings.auth_public_keys_parameter)["Parameter"]["Value"]
    return SigningKeySet.model_validate_json(secret["SecretString"]), json.loads(public)


def rotate_now(request_type: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {"RequestType": request_type} if request_type else {"source": "aws.events"}
    response: dict[str, Any] = lambda_handler(event, lambda_context())
    return response


def test_the_first_run_creates_the_secret_and_publishes_the_public_key(
    app_env: Settings, moto_aws: None
) -> None:
    response = rotate_now("Create")
    keyset, public = stored(app_env)
    assert response["Data"]["activeKid"] == keyset.active.kid
    assert list(public) == [keyset.active.kid]
    assert "PRIVATE" not in json.dumps(public)


def test_a_cloudformation_placeholder_secret_is_replaced_not_a_failure(
    app_env: Settings, moto_aws: None
) -> None:
    # Given the secret as CloudFormation creates it: a generated password, not a key set
    boto3.client("secretsmanager").create_secret(
        Name=app_env.auth_signing_secret, SecretString="x8#kQ!placeholder"
    )
    # When the custom resource runs / Then the secret holds a key set
    rotate_now("Create")
    assert len(stored(app_env)[0].keys) == 1


def test_rotation_keeps_old_tokens_valid_and_caps_the_key_count(app_env: Settings, moto_aws: None) -> None:
    # Given a token signed before rotation
    rotate_now("Create")
    old_token = issue_access_token("usr_1", "user", stored(app_env)[0].active)
    # When keys rotate on schedule more often than the cap
    for _ in range(MAX_KEYS + 1):
        rotate_now()
    keyset, public = stored(app_env)
    # Then at most MAX_KEYS are kept, all published, the newest signs, and the last token still verifies
    assert len(keyset.keys) == len(public) == MAX_KEYS
    assert keyset.active.kid == max(public)
    with pytest.raises(Exception, match="unknown kid"):
        verify_access_token(old_token, load_public_keys(json.dumps(public)))  # rotated out after MAX_KEYS


def test_stack_deletion_leaves_the_keys_alone(app_env: Settings, moto_aws: None) -> None:
    rotate_now("Create")
    before = stored(app_env)
    assert rotate_now("Delete") == {"PhysicalResourceId": "auth-signing-keys"}
    assert stored(app_env) == before
