"""Password rules at registration and password change, through API Gateway (issue #15 item 6)."""

from __future__ import annotations

from typing import Any

import pytest
from pymongo.database import Database

from tests.support.auth import PASSWORD, login, new_account
from tests.support.gateway import Gateway, Reply

Db = Database[dict[str, Any]]


def register(gateway: Gateway, password: str, *, email: str = "asha.verma@example.in") -> Reply:
    return gateway.request(
        "POST", "/v1/auth/register", json_body={"email": email, "password": password, "name": "Asha Verma"}
    )


def change(gateway: Gateway, token: str, current: str, new: str) -> Reply:
    return gateway.request(
        "POST",
        "/v1/auth/change-password",
        json_body={"currentPassword": current, "newPassword": new},
        token=token,
    )


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("aaaaaaaaaa", "too common"),
        ("1234567890", "too common"),
        ("zzzzzzzzzzzzzzzzz", "repeated"),
        ("9876543210987", "consecutive"),
        ("asha1234567", "your email address, your name"),
        ("VermaVerma!!2026", "your email address, your name"),
        ("tradetrack2026", "service's name"),
    ],
)
def test_weak_passwords_are_a_400_naming_the_reason_and_nothing_is_stored(
    gateway: Gateway, mongo_db: Db, password: str, reason: str
) -> None:
    # Given a registration with a weak password / When sent
    reply = register(gateway, password)
    # Then 400 VALIDATION_ERROR whose message names the rule, never echoes the password, stores nothing
    assert reply.status == 400 and reply.error_code() == "VALIDATION_ERROR"
    assert reason in reply.text
    assert password not in reply.text
    assert mongo_db["users"].count_documents({}) == 0


def test_a_long_uncommon_passphrase_registers(gateway: Gateway) -> None:
    # Given a passphrase without digits or symbols that mentions the user's name
    # When registering / Then it is accepted (no composition rules)
    assert register(gateway, "asha likes long monsoon walks").status == 201


def test_change_password_checks_the_current_one_and_the_rules_then_ends_every_session(
    gateway: Gateway, mongo_db: Db
) -> None:
    # Given a user with two sessions
    account = new_account(gateway)
    other = login(gateway, account.email).body
    # When the change names a wrong current password, or a weak new one
    wrong = change(gateway, account.access_token, "not the password", "a brand new passphrase")
    weak = change(gateway, account.access_token, PASSWORD, "1234567890")
    # Then both are 400, and the password is unchanged
    assert wrong.status == 400 and "current password" in wrong.text
    assert weak.status == 400 and "too common" in weak.text and "1234567890" not in weak.text
    assert login(gateway, account.email).status == 200
    # When the change is right
    done = change(gateway, account.access_token, PASSWORD, "a brand new passphrase")
    # Then 204, the old password no longer logs in, the new one does, and every old session is over
    assert done.status == 204
    assert login(gateway, account.email).status == 401
    assert login(gateway, account.email, "a brand new passphrase").status == 200
    assert gateway.request("GET", "/v1/me", token=other["accessToken"]).status == 401
    refreshed = gateway.request("POST", "/v1/auth/refresh", json_body={"refreshToken": other["refreshToken"]})
    assert refreshed.status == 401
    events = [e["event"] for e in mongo_db["audit_log"].find({"userId": account.user_id})]
    assert "password_changed" in events and events.count("password_change_failed") == 1


def test_change_password_needs_a_token(gateway: Gateway) -> None:
    assert change(gateway, "", PASSWORD, "a brand new passphrase").status == 401
