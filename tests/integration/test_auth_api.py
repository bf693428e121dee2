"""/v1/auth/* through API Gateway's eyes, against real FerretDB and Redis (issue: auth service)."""

from __future__ import annotations

from typing import Any

import pytest
from pymongo.database import Database

from tests.support.auth import PASSWORD, login, new_account, register
from tests.support.gateway import Gateway
from tests.support.servers import free_port
from tradetrack.cache.client import create_redis_client, use_redis_client

Db = Database[dict[str, Any]]


def users_named(db: Db, email: str) -> int:
    return db["users"].count_documents({"emailLower": email.lower()})


# --- register -----------------------------------------------------------------------------------


def test_register_creates_a_user_without_exposing_the_password(gateway: Gateway, mongo_db: Db) -> None:
    reply = gateway.request(
        "POST",
        "/v1/auth/register",
        json_body={"email": "Asha@Example.in", "password": PASSWORD, "name": "Asha"},
    )
    assert reply.status == 201
    assert reply.body["email"] == "Asha@Example.in"
    assert reply.body["role"] == "user"
    assert "password" not in reply.text.lower()
    stored = mongo_db["users"].find_one({"emailLower": "asha@example.in"})
    assert stored and stored["passwordHash"].startswith("$2b$") and PASSWORD not in str(stored)


def test_the_same_email_in_other_case_is_a_409(gateway: Gateway, mongo_db: Db) -> None:
    register(gateway, "dup@example.in")
    reply = gateway.request(
        "POST",
        "/v1/auth/register",
        json_body={"email": "DUP@example.in", "password": PASSWORD, "name": "Again"},
    )
    assert reply.status == 409 and reply.error_code() == "CONFLICT"
    assert users_named(mongo_db, "dup@example.in") == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"email": "a@example.in", "password": "short", "name": "A"}, "short password"),
        ({"email": "not-an-email", "password": PASSWORD, "name": "A"}, "bad email"),
        ({"email": {"$ne": None}, "password": PASSWORD, "name": "A"}, "operator as email"),
        ({"email": "a@example.in", "password": {"$gt": ""}, "name": "A"}, "operator as password"),
        ({"email": "a@example.in", "password": PASSWORD, "name": "A", "role": "admin"}, "extra field"),
        ({"email": "a@example.in", "password": 1234567890123, "name": "A"}, "wrong type"),
        ({"email": "a@example.in", "password": PASSWORD}, "missing name"),
        ({"email": "a@example.in", "password": PASSWORD, "name": "   "}, "blank name"),
        (
            {"email": "a@example.in", "password": PASSWORD, "name": "A", "phone": "98450 12345"},
            "phone not E.164",
        ),
        ({"email": "a\u0000b@example.in", "password": PASSWORD, "name": "A"}, "NUL in email"),
        ({"email": "a@example.in", "password": PASSWORD + "\u0000", "name": "A"}, "NUL in password"),
    ],
)
def test_bad_registrations_are_400_and_store_nothing(
    gateway: Gateway, mongo_db: Db, body: dict[str, Any], reason: str
) -> None:
    reply = gateway.request("POST", "/v1/auth/register", json_body=body)
    assert reply.status == 400, reason
    assert reply.error_code() == "VALIDATION_ERROR"
    assert mongo_db["users"].count_documents({}) == 0


@pytest.mark.parametrize("raw", ['{"email": "a@example.in",', "[]", "null", '"text"', "\ud800"])
def test_malformed_bodies_are_400(gateway: Gateway, mongo_db: Db, raw: str) -> None:
    reply = gateway.request("POST", "/v1/auth/register", raw_body=raw.encode("utf-8", "surrogatepass"))
    assert reply.status == 400
    assert mongo_db["users"].count_documents({}) == 0


def test_a_ten_megabyte_body_is_413_and_stores_nothing(gateway: Gateway, mongo_db: Db) -> None:
    reply = gateway.request(
        "POST",
        "/v1/auth/register",
        json_body={"email": "a@example.in", "password": PASSWORD, "name": "x" * 10_000_000},
    )
    assert reply.status == 413 and reply.error_code() == "PAYLOAD_TOO_LARGE"
    assert mongo_db["users"].count_documents({}) == 0


def test_unicode_names_and_addresses_round_trip(gateway: Gateway) -> None:
    user = register(gateway, "प्रिया@उदाहरण.भारत", name="प्रिया 🚀 \u202eRTL\u202c")
    account = login(gateway, "प्रिया@उदाहरण.भारत")
    assert account.status == 200
    me = gateway.request("GET", "/v1/me", token=account.body["accessToken"])
    assert me.body["name"] == user["name"] == "प्रिया 🚀 \u202eRTL\u202c"


# --- login ---------------------------------------------------------------------------------------


def test_login_returns_a_bearer_pair(gateway: Gateway) -> None:
    user = register(gateway)
    reply = login(gateway, user["email"].upper())
    assert reply.status == 200
    assert reply.body["tokenType"] == "Bearer" and reply.body["expiresIn"] == 900
    assert reply.body["accessToken"].count(".") == 2 and reply.body["refreshToken"]


def test_unknown_email_and_wrong_password_get_the_same_401(gateway: Gateway, mongo_db: Db) -> None:
    user = register(gateway)
    wrong = login(gateway, user["email"], "wrong password!!")
    unknown = login(gateway, "nobody@example.in")
    assert wrong.status == unknown.status == 401
    assert wrong.body == unknown.body
    events = [e["event"] for e in mongo_db["audit_log"].find({"event": "login_failed"})]
    assert events == ["login_failed", "login_failed"]


def test_a_sixth_attempt_in_a_minute_on_one_account_is_429(gateway: Gateway) -> None:
    user = register(gateway)
    statuses = [
        login(gateway, user["email"], "wrong password!!", source_ip=f"10.0.0.{i}").status for i in range(5)
    ]
    sixth = login(gateway, user["email"], source_ip="10.0.0.99")
    assert statuses == [401] * 5
    assert sixth.status == 429 and int(sixth.headers["Retry-After"]) >= 1


def test_a_sixth_attempt_in_a_minute_from_one_ip_is_429(gateway: Gateway) -> None:
    statuses = [login(gateway, f"user{i}@example.in", source_ip="203.0.113.7").status for i in range(6)]
    assert statuses == [401] * 5 + [429]


def test_login_works_without_redis_issuing_an_access_token_only(gateway: Gateway) -> None:
    # Given an account, then Redis going away
    user = register(gateway)
    use_redis_client(create_redis_client(f"redis://127.0.0.1:{free_port()}/0", timeout_ms=200))
    # When the user logs in / Then an access token is issued (no refresh token without its store)
    reply = login(gateway, user["email"])
    assert reply.status == 200
    assert reply.body["accessToken"] and reply.body["refreshToken"] is None


# --- refresh, logout -----------------------------------------------------------------------------


def refresh(gateway: Gateway, token: str) -> Any:
    return gateway.request("POST", "/v1/auth/refresh", json_body={"refreshToken": token})


def test_refresh_rotates_and_the_old_token_is_spent(gateway: Gateway) -> None:
    account = new_account(gateway)
    first = refresh(gateway, account.refresh_token)
    assert first.status == 200 and first.body["refreshToken"] != account.refresh_token
    assert gateway.request("GET", "/v1/me", token=first.body["accessToken"]).status == 200


def test_reusing_a_spent_refresh_token_revokes_the_family_and_is_audited(
    gateway: Gateway, mongo_db: Db
) -> None:
    # Given a rotated family
    account = new_account(gateway)
    successor = refresh(gateway, account.refresh_token).body["refreshToken"]
    # When the spent token is replayed
    replay = refresh(gateway, account.refresh_token)
    # Then 401, the successor is dead too, and the audit log says so
    assert replay.status == 401
    assert refresh(gateway, successor).status == 401
    audit = mongo_db["audit_log"].find_one({"event": "refresh_token_reused"})
    assert audit and audit["userId"] == account.user_id


@pytest.mark.parametrize("token", ["", "x" * 300, "never-issued"])
def test_unknown_refresh_tokens_are_refused(gateway: Gateway, token: str) -> None:
    assert refresh(gateway, token).status in {400, 401}


def test_logout_ends_that_session_only(gateway: Gateway) -> None:
    account = new_account(gateway)
    other = login(gateway, account.email).body["refreshToken"]
    assert (
        gateway.request("POST", "/v1/auth/logout", json_body={"refreshToken": account.refresh_token}).status
        == 204
    )
    assert refresh(gateway, account.refresh_token).status == 401
    assert refresh(gateway, other).status == 200


def test_logout_all_ends_every_session_and_every_access_token(gateway: Gateway) -> None:
    account = new_account(gateway)
    other = login(gateway, account.email).body
    assert gateway.request("POST", "/v1/auth/logout-all", token=account.access_token).status == 204
    assert refresh(gateway, account.refresh_token).status == 401
    assert refresh(gateway, other["refreshToken"]).status == 401
    assert gateway.request("GET", "/v1/me", token=other["accessToken"]).status == 401


def test_logout_all_needs_a_token(gateway: Gateway) -> None:
    assert gateway.request("POST", "/v1/auth/logout-all").status == 401
