"""/v1/me and /v1/admin/users behind the authorizer; tokens that must not get in; isolation."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
from pymongo.database import Database

from local.events.rest import rest_event
from local.lambda_runtime import make_context
from tests.support.auth import Account, login, new_account
from tests.support.gateway import Gateway
from tests.unit.test_access_tokens import ATTACK_NAMES, attacks
from tradetrack.auth.key_store import signing_keys

Db = Database[dict[str, Any]]


def make_admin(db: Db, account: Account, gateway: Gateway) -> Account:
    db["users"].update_one({"_id": account.user_id}, {"$set": {"role": "admin"}})
    reply = login(gateway, account.email)
    return Account(account.user_id, account.email, reply.body["accessToken"], reply.body["refreshToken"])


def test_me_shows_the_callers_profile(gateway: Gateway) -> None:
    account = new_account(gateway)
    me = gateway.request("GET", "/v1/me", token=account.access_token)
    assert me.status == 200
    assert me.body == {
        "userId": account.user_id,
        "email": account.email,
        "name": "Test Trader",
        "phone": None,
        "phoneVerified": False,
        "role": "user",
        "timezone": "Asia/Kolkata",
        "capital": None,
        "notificationPrefs": {"email": True, "sms": False, "push": True, "types": {}},
    }


def test_patch_me_changes_only_what_is_sent_and_keeps_money_exact(gateway: Gateway, mongo_db: Db) -> None:
    account = new_account(gateway)
    reply = gateway.request(
        "PATCH",
        "/v1/me",
        token=account.access_token,
        json_body={"capital": "250000.10", "timezone": "Asia/Kolkata", "notificationPrefs": {"sms": True}},
    )
    assert reply.status == 200
    assert reply.body["capital"] == "250000.1" and reply.body["name"] == "Test Trader"
    assert reply.body["notificationPrefs"]["sms"] is True
    stored = mongo_db["users"].find_one({"_id": account.user_id})
    assert stored is not None
    assert stored["capital"] == 2_500_001_000


@pytest.mark.parametrize(
    "body",
    [
        {"timezone": "Mars/Olympus"},
        {"capital": "-5"},
        {"capital": "1.00001"},
        {"capital": 1e400},
        {"role": "admin"},
        {"email": "new@example.in"},
        {"notificationPrefs": {"types": {"spam": True}}},
        {"phone": "+0123"},
    ],
)
def test_bad_profile_changes_are_400_and_change_nothing(
    gateway: Gateway, mongo_db: Db, body: dict[str, Any]
) -> None:
    account = new_account(gateway)
    before = mongo_db["users"].find_one({"_id": account.user_id})
    reply = gateway.request("PATCH", "/v1/me", token=account.access_token, json_body=body)
    assert reply.status == 400, reply.text
    assert mongo_db["users"].find_one({"_id": account.user_id}) == before


@pytest.mark.parametrize("field", ["name", "timezone"])
def test_a_required_profile_field_set_to_null_is_422_and_me_still_reads(
    gateway: Gateway, mongo_db: Db, field: str
) -> None:
    # Given a user
    account = new_account(gateway)
    before = mongo_db["users"].find_one({"_id": account.user_id})
    # When PATCH /v1/me sets a field every profile has to null
    reply = gateway.request("PATCH", "/v1/me", token=account.access_token, json_body={field: None})
    # Then 422 naming it, nothing stored, and GET /v1/me still answers (a stored null made it a 502)
    assert reply.status == 422, reply.text
    assert reply.body["error"]["details"] == [{"field": field}]
    assert mongo_db["users"].find_one({"_id": account.user_id}) == before
    assert gateway.request("GET", "/v1/me", token=account.access_token).status == 200


@pytest.mark.parametrize("attack", [a for a in ATTACK_NAMES if a != "empty"])  # empty: no token at all
def test_the_authorizer_refuses_forged_and_stale_tokens(gateway: Gateway, attack: str) -> None:
    new_account(gateway)
    token = attacks(signing_keys())[attack]
    reply = gateway.request("GET", "/v1/me", token=token)
    assert reply.status == 401
    assert "userId" not in reply.text


def test_no_token_is_401(gateway: Gateway) -> None:
    assert gateway.request("GET", "/v1/me").status == 401
    assert gateway.request("GET", "/v1/me", headers={"Authorization": "Basic dXNlcjpwYXNz"}).status == 401


def test_a_deleted_users_token_stops_working(gateway: Gateway, mongo_db: Db) -> None:
    # Given a user with live tokens, and an admin
    victim = new_account(gateway)
    admin = make_admin(mongo_db, new_account(gateway), gateway)
    # When the admin deletes the user
    assert (
        gateway.request("DELETE", f"/v1/admin/users/{victim.user_id}", token=admin.access_token).status == 204
    )
    # Then the access token and the refresh token are refused, and the email can register again
    assert gateway.request("GET", "/v1/me", token=victim.access_token).status == 401
    assert (
        gateway.request("POST", "/v1/auth/refresh", json_body={"refreshToken": victim.refresh_token}).status
        == 401
    )
    assert login(gateway, victim.email).status == 401
    assert mongo_db["audit_log"].find_one({"event": "user_deleted", "userId": victim.user_id})


def test_me_is_401_for_a_user_deleted_behind_the_authorizers_back(gateway: Gateway, mongo_db: Db) -> None:
    # The authorizer's answer is cached by API Gateway for minutes: the handler checks too.
    account = new_account(gateway)
    mongo_db["users"].update_one({"_id": account.user_id}, {"$set": {"deletedAt": "now"}})
    assert gateway.request("GET", "/v1/me", token=account.access_token).status == 401


def test_admin_routes_are_403_for_users(gateway: Gateway) -> None:
    user = new_account(gateway)
    other = new_account(gateway)
    assert gateway.request("GET", "/v1/admin/users", token=user.access_token).status == 403
    for method, body in (("PATCH", {"role": "admin"}), ("DELETE", None)):
        reply = gateway.request(
            method, f"/v1/admin/users/{other.user_id}", token=user.access_token, json_body=body
        )
        assert reply.status == 403 and reply.error_code() == "FORBIDDEN"


def test_admins_page_through_users(gateway: Gateway, mongo_db: Db) -> None:
    admin = make_admin(mongo_db, new_account(gateway), gateway)
    for _ in range(4):
        new_account(gateway)
    seen: list[str] = []
    cursor = None
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = gateway.request("GET", "/v1/admin/users", token=admin.access_token, query=query)
        assert page.status == 200 and len(page.body["items"]) <= 2
        seen += [u["userId"] for u in page.body["items"]]
        cursor = page.body["nextCursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 5


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "501"}, {"limit": "ten"}, {"cursor": "%%%"}])
def test_bad_list_parameters_are_400(gateway: Gateway, mongo_db: Db, query: dict[str, str]) -> None:
    admin = make_admin(mongo_db, new_account(gateway), gateway)
    assert gateway.request("GET", "/v1/admin/users", token=admin.access_token, query=query).status == 400


def test_a_role_change_is_audited_and_old_tokens_lose_the_old_role(gateway: Gateway, mongo_db: Db) -> None:
    admin = make_admin(mongo_db, new_account(gateway), gateway)
    user = new_account(gateway)
    reply = gateway.request(
        "PATCH", f"/v1/admin/users/{user.user_id}", token=admin.access_token, json_body={"role": "admin"}
    )
    assert reply.status == 200 and reply.body["role"] == "admin"
    assert gateway.request("GET", "/v1/me", token=user.access_token).status == 401  # re-login to get the role
    promoted = login(gateway, user.email).body["accessToken"]
    assert gateway.request("GET", "/v1/admin/users", token=promoted).status == 200
    audit = mongo_db["audit_log"].find_one({"event": "role_changed", "userId": user.user_id})
    assert audit and audit["details"] == {"by": admin.user_id, "from": "user", "to": "admin"}


def test_unknown_users_are_404_for_admins(gateway: Gateway, mongo_db: Db) -> None:
    admin = make_admin(mongo_db, new_account(gateway), gateway)
    reply = gateway.request("DELETE", "/v1/admin/users/usr_missing", token=admin.access_token)
    assert reply.status == 404


def test_one_user_can_never_read_or_change_another_through_any_route(gateway: Gateway, mongo_db: Db) -> None:
    # Given two users
    alice, bob = new_account(gateway), new_account(gateway)
    alice_before = mongo_db["users"].find_one({"_id": alice.user_id})
    # When Bob calls every user route, with Alice's id wherever one fits
    replies = [
        gateway.request("GET", "/v1/me", token=bob.access_token),
        gateway.request("PATCH", "/v1/me", token=bob.access_token, json_body={"name": "Bob B"}),
        gateway.request("GET", "/v1/admin/users", token=bob.access_token),
        gateway.request(
            "PATCH", f"/v1/admin/users/{alice.user_id}", token=bob.access_token, json_body={"role": "user"}
        ),
        gateway.request("DELETE", f"/v1/admin/users/{alice.user_id}", token=bob.access_token),
        gateway.request("POST", "/v1/auth/logout-all", token=bob.access_token),
    ]
    # Then nothing Bob saw mentions Alice, and Alice's record and sessions are untouched
    for reply in replies:
        assert alice.user_id not in reply.text and alice.email not in reply.text
    assert mongo_db["users"].find_one({"_id": alice.user_id}) == alice_before
    assert gateway.request("GET", "/v1/me", token=alice.access_token).body["email"] == alice.email
    refreshed = gateway.request("POST", "/v1/auth/refresh", json_body={"refreshToken": alice.refresh_token})
    assert refreshed.status == 200, json.dumps(refreshed.body)


def test_the_per_user_api_limit_answers_429(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    from tradetrack.cache.rate_limit import Limit

    monkeypatch.setattr("tradetrack.rest.API_PER_USER", Limit("api-test", capacity=3, per_seconds=60))
    account = new_account(gateway)
    statuses = [gateway.request("GET", "/v1/me", token=account.access_token).status for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_a_revoked_token_is_refused_even_while_the_gateway_caches_the_authorizer(gateway: Gateway) -> None:
    # Given a request the authorizer allowed (API Gateway keeps that answer for 5 minutes)
    account = new_account(gateway)
    me = gateway.router.match("GET", "/v1/me")
    assert me is not None
    allowed = gateway.authorize(
        rest_event(
            method="GET",
            path="/v1/me",
            resource="/v1/me",
            headers=[("Authorization", f"Bearer {account.access_token}")],
            request_id="r-1",
            epoch_ms=0,
        )
    )
    assert isinstance(allowed, dict)
    # When the user logs out everywhere, and the cached answer is used again
    assert gateway.request("POST", "/v1/auth/logout-all", token=account.access_token).status == 204
    handler = importlib.import_module(me.spec.module).lambda_handler
    reply = handler(allowed, make_context(me.spec))
    # Then the handler refuses the revoked token itself
    assert reply["statusCode"] == 401
