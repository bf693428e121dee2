"""Secrets Manager rotation of the ElastiCache RBAC user the functions log in to Redis with.

The secret is JSON {"username", "password", "userId"} (userId: the ElastiCache user). An ElastiCache
user may hold two passwords, so a rotation never locks a running function out:

- createSecret: a new random password is stored as AWSPENDING (once per rotation token);
- setSecret: the user's passwords become [pending, current], both accepted by Redis;
- testSecret: the user is active again (ElastiCache applied the change to the replication group);
- finishSecret: AWSPENDING becomes AWSCURRENT.

A container keeps the credentials it read at cold start; the previous password stays valid until
the next rotation (30 days later), far beyond a Lambda container's life.

This file is the whole Lambda asset (boto3 comes with the runtime).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

CURRENT = "AWSCURRENT"
PENDING = "AWSPENDING"
# ElastiCache passwords: 16-128 printable characters without , " / @ (letters and digits only here).
PASSWORD_LENGTH = 64


class RotationError(RuntimeError):
    """The rotation cannot go on; Secrets Manager marks it failed and retries later."""


def lambda_handler(event: dict[str, Any], context: object) -> None:
    import boto3

    rotate(
        event["Step"],
        event["SecretId"],
        event["ClientRequestToken"],
        secrets=boto3.client("secretsmanager"),
        elasticache=boto3.client("elasticache"),
    )


def rotate(
    step: str,
    secret_id: str,
    token: str,
    *,
    secrets: Any,
    elasticache: Any,
    wait_s: float = 240.0,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    metadata = secrets.describe_secret(SecretId=secret_id)
    if not metadata.get("RotationEnabled"):
        raise RotationError(f"rotation is not enabled for {secret_id}")
    stages = metadata.get("VersionIdsToStages", {}).get(token)
    if stages is None:
        raise RotationError(f"version {token} is not a version of {secret_id}")
    if CURRENT in stages:
        return  # this version is already current: a retried finishSecret
    if PENDING not in stages:
        raise RotationError(f"version {token} of {secret_id} is not pending")
    if step == "createSecret":
        _create(secrets, secret_id, token)
    elif step == "setSecret":
        _set(secrets, elasticache, secret_id, token)
    elif step == "testSecret":
        _wait_until_active(secrets, elasticache, secret_id, token, wait_s=wait_s, sleep=sleep)
    elif step == "finishSecret":
        _finish(secrets, secret_id, token, metadata)
    else:
        raise RotationError(f"unknown rotation step {step!r}")


def _value(secrets: Any, secret_id: str, stage: str, token: str | None = None) -> dict[str, str]:
    kwargs: dict[str, str] = {"SecretId": secret_id, "VersionStage": stage}
    if token is not None:
        kwargs["VersionId"] = token
    value = json.loads(secrets.get_secret_value(**kwargs)["SecretString"])
    if not isinstance(value, dict) or not {"username", "password", "userId"} <= set(value):
        raise RotationError(f"{secret_id} ({stage}) is not JSON with username, password and userId")
    return {key: str(item) for key, item in value.items()}


def _create(secrets: Any, secret_id: str, token: str) -> None:
    current = _value(secrets, secret_id, CURRENT)
    try:
        _value(secrets, secret_id, PENDING, token)
        return  # created by an earlier attempt of this rotation
    except secrets.exceptions.ResourceNotFoundException:
        pass
    password = secrets.get_random_password(
        PasswordLength=PASSWORD_LENGTH, ExcludePunctuation=True, IncludeSpace=False
    )["RandomPassword"]
    secrets.put_secret_value(
        SecretId=secret_id,
        ClientRequestToken=token,
        SecretString=json.dumps({**current, "password": password}),
        VersionStages=[PENDING],
    )


def _set(secrets: Any, elasticache: Any, secret_id: str, token: str) -> None:
    current = _value(secrets, secret_id, CURRENT)
    pending = _value(secrets, secret_id, PENDING, token)
    if pending["userId"] != current["userId"]:
        raise RotationError("the pending version names another ElastiCache user")
    # Both passwords work until the next rotation replaces the older one.
    elasticache.modify_user(UserId=pending["userId"], Passwords=[pending["password"], current["password"]])


def _wait_until_active(
    secrets: Any,
    elasticache: Any,
    secret_id: str,
    token: str,
    *,
    wait_s: float,
    sleep: Callable[[float], None],
) -> None:
    user_id = _value(secrets, secret_id, PENDING, token)["userId"]
    deadline = time.monotonic() + wait_s
    while True:
        (user,) = elasticache.describe_users(UserId=user_id)["Users"]
        if user["Status"] == "active":
            return
        if time.monotonic() >= deadline:
            raise RotationError(f"ElastiCache user {user_id} is still {user['Status']}")
        sleep(5.0)


def _finish(secrets: Any, secret_id: str, token: str, metadata: dict[str, Any]) -> None:
    current_version = next(
        (version for version, stages in metadata["VersionIdsToStages"].items() if CURRENT in stages), None
    )
    secrets.update_secret_version_stage(
        SecretId=secret_id,
        VersionStage=CURRENT,
        MoveToVersionId=token,
        **({"RemoveFromVersionId": current_version} if current_version else {}),
    )
