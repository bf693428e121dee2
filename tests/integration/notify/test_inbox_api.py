"""GET /v1/notifications, POST /v1/notifications/{id}/read and the signed unsubscribe link,
through the gateway (real authorizer and handlers)."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import unquote

import pytest

from tests.support.auth import OwnedRoute, assert_isolated
from tests.support.gateway import Gateway
from tests.support.notify import Db, deliver, emails_to, make_user, trade_event
from tradetrack.notify.unsubscribe import make_token, signing_key


def inbox(gateway: Gateway, token: str, **query: str) -> dict[str, Any]:
    reply = gateway.request("GET", "/v1/notifications", token=token, query=query)
    assert reply.status == 200, reply.text
    return dict(reply.body)


def test_the_inbox_lists_newest_first_in_pages_and_filters_unread(
    notify_ready: Gateway, mongo_db: Db
) -> None:
    # Given three notifications for a user
    user = make_user(notify_ready, mongo_db)
    for n in range(3):
        assert deliver(trade_event(user.user_id, tradeId=f"trd_{n}", symbol=f"SYM{n}")) == []
        time.sleep(0.005)  # distinct creation times (Mongo keeps milliseconds)
    # When the user reads two pages of two
    first = inbox(notify_ready, user.access_token, limit="2")
    second = inbox(notify_ready, user.access_token, limit="2", cursor=first["nextCursor"])
    # Then the newest comes first, across pages, with IST times and the per-channel outcome
    symbols = [item["data"]["symbol"] for item in first["items"] + second["items"]]
    assert symbols == ["SYM2", "SYM1", "SYM0"]
    assert second["nextCursor"] is None
    item = first["items"][0]
    assert item["createdAt"].endswith("+05:30") and item["readAt"] is None
    assert item["type"] == "trade_confirmation" and item["title"] == "Trade closed: SYM2"
    assert item["deliveries"]["email"] == {"status": "sent", "reason": None}
    # When one is marked read
    read = notify_ready.request(
        "POST", f"/v1/notifications/{item['notificationId']}/read", token=user.access_token
    )
    again = notify_ready.request(
        "POST", f"/v1/notifications/{item['notificationId']}/read", token=user.access_token
    )
    # Then it is 204 (twice), and ?unread=true leaves it out
    assert (read.status, again.status) == (204, 204)
    unread = inbox(notify_ready, user.access_token, unread="true")
    assert [i["data"]["symbol"] for i in unread["items"]] == ["SYM1", "SYM0"]
    everything = inbox(notify_ready, user.access_token)
    assert everything["items"][0]["readAt"].endswith("+05:30")


def test_another_users_notification_is_not_found(notify_ready: Gateway, mongo_db: Db) -> None:
    # Given a notification of one user
    owner, intruder = make_user(notify_ready, mongo_db), make_user(notify_ready, mongo_db)
    assert deliver(trade_event(owner.user_id)) == []
    notification_id = inbox(notify_ready, owner.access_token)["items"][0]["notificationId"]
    # Then another user can neither mark it read nor see it
    assert_isolated(
        notify_ready,
        owner,
        intruder,
        [OwnedRoute("POST", "/v1/notifications/{id}/read")],
        notification_id,
        owner_view=lambda: inbox(notify_ready, owner.access_token),
    )
    assert inbox(notify_ready, intruder.access_token)["items"] == []
    unknown = notify_ready.request("POST", "/v1/notifications/ntf_nope/read", token=owner.access_token)
    assert unknown.status == 404


def test_the_inbox_needs_a_login(notify_ready: Gateway) -> None:
    assert notify_ready.request("GET", "/v1/notifications").status == 401


def _link_token(mail: dict[str, Any]) -> str:
    match = re.search(r"token=([^>\s]+)", mail["headers"]["List-Unsubscribe"])
    assert match is not None
    return unquote(match.group(1))


def _types(db: Db, user_id: str) -> dict[str, bool]:
    doc = db["users"].find_one({"_id": user_id})
    assert doc is not None
    return dict(doc["notificationPrefs"].get("types") or {})


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_emails_unsubscribe_link_turns_that_type_off_without_login(
    notify_ready: Gateway, mongo_db: Db, method: str
) -> None:
    # Given an email with its unsubscribe link (the same link in the text body)
    user = make_user(notify_ready, mongo_db)
    assert deliver(trade_event(user.user_id)) == []
    (mail,) = emails_to(user.email)
    token = _link_token(mail)
    assert token in unquote(mail["text"])
    # When the link is followed without any login (a browser GET, or a mail client's one-click POST)
    reply = notify_ready.request(method, "/v1/notifications/unsubscribe", query={"token": token})
    # Then trade confirmations are off for that user, and only those
    assert reply.status == 200, reply.text
    assert reply.body == {"type": "trade_confirmation", "unsubscribed": True}
    assert _types(mongo_db, user.user_id) == {"trade_confirmation": False}
    # And the next trade confirmation is not sent
    assert deliver(trade_event(user.user_id)) == []
    assert len(emails_to(user.email)) == 1


def _tampered(token: str) -> list[str]:
    version, user_id, kind, expiry, signature = token.split(".")
    return [
        f"{version}.{user_id}.daily_summary.{expiry}.{signature}",  # another type
        f"{version}.usr_someoneelse.{kind}.{expiry}.{signature}",  # another user
        f"{version}.{user_id}.{kind}.{int(expiry) + 86_400}.{signature}",  # a later expiry
        f"{version}.{user_id}.{kind}.{expiry}.{signature[:-2]}AA",  # another signature
        f"{user_id}.{kind}.{expiry}.{signature}",
        "garbage",
    ]


def test_tampered_links_are_refused_and_change_nothing(notify_ready: Gateway, mongo_db: Db) -> None:
    # Given a genuine link of a user
    user = make_user(notify_ready, mongo_db)
    token = make_token(
        user.user_id, "trade_confirmation", key=signing_key(), expires_at=int(time.time()) + 600
    )
    for forged in _tampered(token):
        # When a tampered version is followed
        reply = notify_ready.request("GET", "/v1/notifications/unsubscribe", query={"token": forged})
        # Then it is a 400 in the API's error shape and the preferences are untouched
        assert reply.status == 400, forged
        assert reply.error_code() == "BAD_REQUEST"
    assert _types(mongo_db, user.user_id) == {}


def test_an_expired_link_is_gone_and_changes_nothing(notify_ready: Gateway, mongo_db: Db) -> None:
    # Given a genuine link that expired a second ago
    user = make_user(notify_ready, mongo_db)
    token = make_token(user.user_id, "price_alert", key=signing_key(), expires_at=int(time.time()) - 1)
    # When it is followed
    reply = notify_ready.request("GET", "/v1/notifications/unsubscribe", query={"token": token})
    # Then 410 with the error body, and nothing changed
    assert reply.status == 410
    assert reply.error_code() == "LINK_EXPIRED"
    assert reply.body["error"]["message"]
    assert _types(mongo_db, user.user_id) == {}


def test_a_link_signed_with_another_key_is_refused(notify_ready: Gateway, mongo_db: Db) -> None:
    user = make_user(notify_ready, mongo_db)
    token = make_token(user.user_id, "price_alert", key=b"k" * 48, expires_at=int(time.time()) + 600)
    reply = notify_ready.request("POST", "/v1/notifications/unsubscribe", query={"token": token})
    assert reply.status == 400
    assert _types(mongo_db, user.user_id) == {}


def test_changing_the_phone_number_unverifies_it(notify_ready: Gateway, mongo_db: Db) -> None:
    # Given a user with a verified phone
    user = make_user(notify_ready, mongo_db, phone="+919876543210", verified=True)
    # When they set the same number, then another one
    same = {"phone": "+919876543210"}
    assert notify_ready.request("PATCH", "/v1/me", token=user.access_token, json_body=same).status == 200
    verified = (mongo_db["users"].find_one({"_id": user.user_id}) or {})["phoneVerified"]
    other = {"phone": "+919812345678"}
    assert notify_ready.request("PATCH", "/v1/me", token=user.access_token, json_body=other).status == 200
    # Then the same number stays verified and the new one is not (no SMS until it is verified)
    assert verified is True
    assert (mongo_db["users"].find_one({"_id": user.user_id}) or {})["phoneVerified"] is False
