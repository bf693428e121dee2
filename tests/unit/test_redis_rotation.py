"""The Redis RBAC password rotation (cdk/tradetrack_infra/redis_rotation/handler.py), step by step.

Secrets Manager and ElastiCache are in-memory stand-ins with the semantics the rotation relies on
(version stages; a user's passwords and its modifying -> active status); moto implements neither
ElastiCache's ModifyUser nor rotation without invoking a Lambda.
"""

# ruff: noqa: N803 - the stand-ins take boto3's argument names
from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tradetrack_infra.redis_rotation.handler import PASSWORD_LENGTH, RotationError, rotate

SECRET = "arn:aws:secretsmanager:ap-south-1:123456789012:secret:redis-AbCdEf"
USER_ID = "tradetrack-test-app"
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")


class NotFound(Exception):
    pass


class FakeSecrets:
    class exceptions:  # noqa: N801 - the boto3 client's attribute
        ResourceNotFoundException = NotFound

    def __init__(self, value: dict[str, str]) -> None:
        self.versions: dict[str, str] = {"v1": json.dumps(value)}
        self.stages: dict[str, set[str]] = {"v1": {"AWSCURRENT"}}
        self.rotation_enabled = True
        self.generated = 0

    def describe_secret(self, SecretId: str) -> dict[str, Any]:
        return {
            "RotationEnabled": self.rotation_enabled,
            "VersionIdsToStages": {
                version: sorted(stages) for version, stages in self.stages.items() if stages
            },
        }

    def get_secret_value(
        self, SecretId: str, VersionStage: str, VersionId: str | None = None
    ) -> dict[str, str]:
        for version, stages in self.stages.items():
            if (
                VersionStage in stages
                and (VersionId is None or VersionId == version)
                and version in self.versions
            ):
                return {"SecretString": self.versions[version]}
        raise NotFound(VersionStage)

    def get_random_password(
        self, PasswordLength: int, ExcludePunctuation: bool, IncludeSpace: bool
    ) -> dict[str, str]:
        self.generated += 1
        return {"RandomPassword": f"{self.generated:0>{PasswordLength}}"}

    def put_secret_value(
        self, SecretId: str, ClientRequestToken: str, SecretString: str, VersionStages: list[str]
    ) -> None:
        self.versions[ClientRequestToken] = SecretString
        self.stages.setdefault(ClientRequestToken, set()).update(VersionStages)

    def update_secret_version_stage(
        self,
        SecretId: str,
        VersionStage: str,
        MoveToVersionId: str,
        RemoveFromVersionId: str | None = None,
    ) -> None:
        if RemoveFromVersionId:
            self.stages[RemoveFromVersionId].discard(VersionStage)
        self.stages[MoveToVersionId].add(VersionStage)
        if VersionStage == "AWSCURRENT":
            self.stages[MoveToVersionId].discard("AWSPENDING")

    def start_rotation(self) -> str:
        """What Secrets Manager does before calling the function: a new version id, pending."""
        token = str(uuid.uuid4())
        self.stages[token] = {"AWSPENDING"}
        return token

    def current(self) -> dict[str, str]:
        return dict(
            json.loads(self.get_secret_value(SecretId=SECRET, VersionStage="AWSCURRENT")["SecretString"])
        )


class FakeElastiCache:
    def __init__(self, passwords: list[str], settles_after: int = 0) -> None:
        self.passwords = list(passwords)
        self.status = "active"
        self.settles_after = settles_after  # describe calls that still see "modifying"
        self.modifications: list[list[str]] = []

    def modify_user(self, UserId: str, Passwords: list[str]) -> None:
        assert UserId == USER_ID
        self.passwords = list(Passwords)
        self.modifications.append(list(Passwords))
        self.status = "modifying"

    def describe_users(self, UserId: str) -> dict[str, Any]:
        assert UserId == USER_ID
        if self.status == "modifying":
            if self.settles_after <= 0:
                self.status = "active"
            self.settles_after -= 1
        return {"Users": [{"UserId": UserId, "Status": self.status}]}


def secret_value(password: str) -> dict[str, str]:
    return {"username": "tradetrack", "password": password, "userId": USER_ID}


def run_rotation(secrets: FakeSecrets, cache: FakeElastiCache, token: str) -> None:
    for step in STEPS:
        rotate(step, SECRET, token, secrets=secrets, elasticache=cache, wait_s=5, sleep=lambda _: None)


def test_a_rotation_makes_a_new_password_current_and_keeps_the_old_one_valid() -> None:
    # Given the secret and the ElastiCache user with the first password
    secrets = FakeSecrets(secret_value("old-password"))
    cache = FakeElastiCache(["old-password"], settles_after=2)

    # When Secrets Manager runs the four steps of a rotation
    run_rotation(secrets, cache, secrets.start_rotation())

    # Then AWSCURRENT holds a new generated password for the same user
    current = secrets.current()
    assert current["password"] != "old-password"
    assert len(current["password"]) == PASSWORD_LENGTH
    assert (current["username"], current["userId"]) == ("tradetrack", USER_ID)
    # And Redis accepts the new password and still the old one (containers started before keep working)
    assert cache.passwords == [current["password"], "old-password"]
    assert cache.status == "active"


def test_the_next_rotation_drops_the_password_before_last() -> None:
    # Given a secret rotated once
    secrets = FakeSecrets(secret_value("first"))
    cache = FakeElastiCache(["first"])
    run_rotation(secrets, cache, secrets.start_rotation())
    second = secrets.current()["password"]

    # When it is rotated again
    run_rotation(secrets, cache, secrets.start_rotation())

    # Then the user holds the third and the second password, no longer the first
    third = secrets.current()["password"]
    assert cache.passwords == [third, second]
    assert "first" not in cache.passwords


def test_a_retried_create_step_keeps_the_pending_password() -> None:
    # Given a rotation whose createSecret already ran
    secrets = FakeSecrets(secret_value("old"))
    token = secrets.start_rotation()
    rotate("createSecret", SECRET, token, secrets=secrets, elasticache=FakeElastiCache(["old"]))
    pending = secrets.versions[token]

    # When Secrets Manager retries that step / Then no second password is generated
    rotate("createSecret", SECRET, token, secrets=secrets, elasticache=FakeElastiCache(["old"]))
    assert secrets.versions[token] == pending
    assert secrets.generated == 1


def test_the_test_step_fails_while_elasticache_has_not_applied_the_change() -> None:
    # Given a user that stays "modifying"
    secrets = FakeSecrets(secret_value("old"))
    cache = FakeElastiCache(["old"], settles_after=10**6)
    token = secrets.start_rotation()
    for step in ("createSecret", "setSecret"):
        rotate(step, SECRET, token, secrets=secrets, elasticache=cache)

    # When the test step runs out of time / Then the rotation fails and AWSCURRENT is untouched
    with pytest.raises(RotationError, match="still modifying"):
        rotate(
            "testSecret", SECRET, token, secrets=secrets, elasticache=cache, wait_s=0, sleep=lambda _: None
        )
    assert secrets.current()["password"] == "old"


@pytest.mark.parametrize("problem", ["disabled", "unknown version", "not pending", "unknown step"])
def test_a_request_the_rotation_cannot_serve_is_refused(problem: str) -> None:
    # Given a secret and a request with one thing wrong
    secrets = FakeSecrets(secret_value("old"))
    cache = FakeElastiCache(["old"])
    token, step = secrets.start_rotation(), "createSecret"
    if problem == "disabled":
        secrets.rotation_enabled = False
    elif problem == "unknown version":
        token = "no-such-version"
    elif problem == "not pending":
        secrets.stages[token] = {"SOMETHING_ELSE"}
    else:
        step = "dropSecret"

    # When the function is called / Then it refuses, and neither the secret nor Redis changed
    with pytest.raises(RotationError):
        rotate(step, SECRET, token, secrets=secrets, elasticache=cache)
    assert secrets.current()["password"] == "old"
    assert cache.modifications == []


def test_finishing_an_already_current_version_changes_nothing() -> None:
    # Given a completed rotation
    secrets = FakeSecrets(secret_value("old"))
    cache = FakeElastiCache(["old"])
    token = secrets.start_rotation()
    run_rotation(secrets, cache, token)
    stages = {version: set(s) for version, s in secrets.stages.items()}

    # When finishSecret is delivered again / Then the stages stay as they are
    rotate("finishSecret", SECRET, token, secrets=secrets, elasticache=cache)
    assert secrets.stages == stages
