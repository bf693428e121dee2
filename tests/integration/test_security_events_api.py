"""The audit log, readable (issue #15 item 14): GET /v1/admin/audit and GET /v1/me/security-events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo.database import Database

from tests.integration.sync.test_brokers_api import brokers_api, callback, connect, simulated_broker
from tests.support.auth import PASSWORD, Account, login, new_account
from tests.support.gateway import Gateway, Reply
from tests.support.pipeline import Pipeline

Db = Database[dict[str, Any]]
__all__ = ["brokers_api", "simulated_broker"]  # fixtures of the brokers API tests, used here


def make_admin(db: Db, gateway: Gateway) -> Account:
    account = new_account(gateway)
    db["users"].update_one({"_id": account.user_id}, {"$set": {"role": "admin"}})
    reply = login(gateway, account.email)
    return Account(account.user_id, account.email, reply.body["accessToken"], reply.body["refreshToken"])


def mine(gateway: Gateway, account: Account, **query: str) -> Reply:
    return gateway.request("GET", "/v1/me/security-events", token=account.access_token, query=query)


def audit(gateway: Gateway, admin: Account, **query: str) -> Reply:
    return gateway.request("GET", "/v1/admin/audit", token=admin.access_token, query=query)


def every_page(fetch: Any, **query: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(50):
        reply = fetch(**query, **({"cursor": cursor} if cursor else {}))
        assert reply.status == 200, reply.text
        items.extend(reply.body["items"])
        cursor = reply.body["nextCursor"]
        if cursor is None:
            return items
    raise AssertionError("paging did not end")


def test_a_user_reads_their_own_security_events_newest_first_and_nobody_elses(gateway: Gateway) -> None:
    # Given a user who logged in twice, failed once, had a refresh token replayed, changed the
    # password and logged out everywhere; and another user who logged in
    account = new_account(gateway)
    stranger = new_account(gateway)
    assert login(gateway, account.email, "not the password!").status == 401
    spent = account.refresh_token
    assert gateway.request("POST", "/v1/auth/refresh", json_body={"refreshToken": spent}).status == 200
    assert gateway.request("POST", "/v1/auth/refresh", json_body={"refreshToken": spent}).status == 401
    session = login(gateway, account.email).body
    body = {"currentPassword": PASSWORD, "newPassword": "a brand new passphrase"}
    changed = gateway.request(
        "POST", "/v1/auth/change-password", json_body=body, token=session["accessToken"]
    )
    assert changed.status == 204
    fresh = login(gateway, account.email, "a brand new passphrase").body
    reader = Account(account.user_id, account.email, fresh["accessToken"], fresh["refreshToken"])
    # When the user reads their security events, two at a time
    events = every_page(lambda **q: mine(gateway, reader, **q), limit="2")
    # Then every security event is there once, newest first, and none of the other user's
    names = [e["event"] for e in events]
    assert names == [
        "login_succeeded",
        "password_changed",
        "logout_all",
        "login_succeeded",
        "refresh_token_reused",
        "login_failed",
        "login_succeeded",
    ]
    assert {e["userId"] for e in events} == {account.user_id}
    assert [e["at"] for e in events] == sorted((e["at"] for e in events), reverse=True)
    assert len({e["eventId"] for e in events}) == len(events)
    assert stranger.user_id not in str(events)


def test_security_events_filter_by_time_range(gateway: Gateway, mongo_db: Db) -> None:
    # Given a user's login yesterday (moved back in time) and one today
    account = new_account(gateway)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    mongo_db["audit_log"].update_one(
        {"userId": account.user_id, "event": "login_succeeded"}, {"$set": {"at": yesterday}}
    )
    login(gateway, account.email)
    # When they ask for today's, and for yesterday's
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    today = mine(gateway, account, **{"from": since})
    before = mine(gateway, account, to=since)
    # Then each holds one login
    assert [e["event"] for e in today.body["items"]] == ["login_succeeded"]
    assert [e["event"] for e in before.body["items"]] == ["login_succeeded"]
    assert before.body["items"][0]["at"] < since


def test_an_admin_pages_the_audit_log_filtered_by_user_event_and_time(gateway: Gateway, mongo_db: Db) -> None:
    # Given two users' activity and an administrator
    first = new_account(gateway)
    second = new_account(gateway)
    assert login(gateway, second.email, "not the password!").status == 401
    admin = make_admin(mongo_db, gateway)
    # When the admin reads the whole log page by page, then filters it
    everything = every_page(lambda **q: audit(gateway, admin, **q), limit="3")
    of_second = every_page(lambda **q: audit(gateway, admin, **q), userId=second.user_id)
    failures = every_page(lambda **q: audit(gateway, admin, **q), event="login_failed")
    later = every_page(lambda **q: audit(gateway, admin, **q), **{"from": datetime.now(UTC).isoformat()})
    # Then the pages hold every entry once, and each filter exactly its entries
    assert len(everything) == mongo_db["audit_log"].count_documents({})
    assert len({e["eventId"] for e in everything}) == len(everything)
    assert {e["userId"] for e in everything} >= {first.user_id, second.user_id, admin.user_id}
    assert [e["event"] for e in of_second] == ["login_failed", "login_succeeded", "user_registered"]
    assert [(e["event"], e["userId"]) for e in failures] == [("login_failed", second.user_id)]
    assert later == []


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "0"},
        {"cursor": "not-a-cursor"},
        {"event": "DROP TABLE"},
        {"from": "yesterday"},
        {"from": "2000-01-01", "to": "0.5"},
    ],
)
def test_bad_audit_queries_are_400(gateway: Gateway, mongo_db: Db, query: dict[str, str]) -> None:
    admin = make_admin(mongo_db, gateway)
    assert audit(gateway, admin, **query).status == 400


def test_a_time_range_ending_before_it_starts_is_422(gateway: Gateway) -> None:
    # Given well-formed bounds in the wrong order / When asked / Then 422 (the API's "cannot apply")
    account = new_account(gateway)
    reply = mine(gateway, account, **{"from": "2026-01-02T00:00:00+00:00", "to": "2026-01-01T00:00:00+00:00"})
    assert reply.status == 422 and "from is after to" in reply.text


def test_only_admins_read_the_audit_log_and_only_signed_in_users_their_events(gateway: Gateway) -> None:
    # Given a plain user / When they ask for the audit log / Then 403; without a token, 401
    account = new_account(gateway)
    assert audit(gateway, account).status == 403
    assert gateway.request("GET", "/v1/admin/audit").status == 401
    assert gateway.request("GET", "/v1/me/security-events").status == 401


def test_connecting_a_broker_is_a_security_event(brokers_api: Pipeline, gateway: Gateway) -> None:
    # Given a user who connects the simulated broker
    owner = new_account(gateway)
    account_id, params = connect(gateway, owner)
    assert callback(gateway, params).status == 200
    # When they read their security events / Then the connection is there, with its account
    (connected,) = [e for e in mine(gateway, owner).body["items"] if e["event"] == "broker_connected"]
    assert connected["details"]["accountId"] == account_id and connected["details"]["broker"] == "simulated"


def test_an_empty_bound_is_no_bound(gateway: Gateway) -> None:
    # Given a user / When they send ?from=&to= empty / Then it is as if there were no bounds
    account = new_account(gateway)
    reply = mine(gateway, account, **{"from": "", "to": ""})
    assert reply.status == 200 and [e["event"] for e in reply.body["items"]] == ["login_succeeded"]
