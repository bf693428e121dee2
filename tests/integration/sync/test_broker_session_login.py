"""POST /v1/broker-accounts {broker, accountId, params}: finishing the login of a broker whose login
page sends no state back (ICICI Breeze hands back an API session key), through API Gateway, against
the Breeze stub server."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from pymongo.database import Database

from local.broker_stubs.breeze import BreezeStubServer
from local.broker_stubs.common import demo_day
from local.brokers import SIMULATED_APP, bootstrap_brokers
from tests.support.auth import Account, new_account
from tests.support.gateway import Gateway, Reply
from tests.support.pipeline import Pipeline, make_pipeline
from tradetrack.config import reset_settings

Document = dict[str, Any]
USER = "BRZ0001"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@pytest.fixture
def breeze() -> Iterator[BreezeStubServer]:
    with BreezeStubServer(books={USER: demo_day()}) as server:
        yield server


@pytest.fixture
def session_api(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, breeze: BreezeStubServer
) -> Iterator[Pipeline]:
    from tradetrack.aws import aws_client

    pipeline = make_pipeline(aws_client("sqs"))
    env = {**pipeline.env(), "BREEZE_BASE_URL": breeze.api_url, "BREEZE_LOGIN_URL": breeze.login_url}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    reset_settings()
    bootstrap_brokers(
        {"breeze": {"apiKey": breeze.api_key, "apiSecret": breeze.api_secret}, "simulated": SIMULATED_APP}
    )
    breeze.redirect_url = "http://api.test/v1/broker-accounts/callback/breeze"
    yield pipeline
    reset_settings()


def login_page(login_url: str) -> dict[str, str]:
    """Follow the broker's login page to its redirect; the query parameters it sends back."""
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(f"{login_url}&user_id={USER}", timeout=5)
    assert redirect.value.code == 302
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(redirect.value.headers["Location"]).query))


def start(gateway: Gateway, owner: Account, broker: str) -> tuple[str, str]:
    started = gateway.request(
        "POST", "/v1/broker-accounts", json_body={"broker": broker}, token=owner.access_token
    )
    assert started.status == 201, started.text
    return started.body["accountId"], started.body["loginUrl"]


def finish(gateway: Gateway, user: Account, body: dict[str, Any]) -> Reply:
    return gateway.request("POST", "/v1/broker-accounts", json_body=body, token=user.access_token)


def test_a_breeze_login_is_finished_by_its_owner_with_the_session_key(
    session_api: Pipeline, gateway: Gateway, mongo_db: Database[Document]
) -> None:
    # Given a user who started connecting Breeze and logged in at ICICI's page
    owner = new_account(gateway)
    account_id, login_url = start(gateway, owner, "breeze")
    returned = login_page(login_url)
    assert "state" not in returned and returned["apisession"]
    # When the browser lands on the callback with what ICICI sent (no state)
    landed = gateway.request("GET", "/v1/broker-accounts/callback/breeze", query=returned)
    # Then it is refused, saying where the session key goes
    assert landed.status == 400, landed.text
    assert "`params`" in landed.body["error"]["message"]
    # When the signed-in owner sends the session key for the account
    reply = finish(gateway, owner, {"broker": "breeze", "accountId": account_id, "params": returned})
    # Then the account is active, its token is stored encrypted, and its first sync is queued
    assert reply.status == 200, reply.text
    assert (reply.body["accountId"], reply.body["status"], reply.body["brokerUserId"]) == (
        account_id,
        "active",
        USER,
    )
    stored = mongo_db["broker_accounts"].find_one({"_id": account_id})
    assert (
        stored is not None
        and stored["tokenCiphertext"]
        and returned["apisession"] not in json.dumps(stored, default=str)
    )
    (queued,) = session_api.bodies("sync")
    assert (queued["accountId"], queued["reason"], queued["backfill"]) == (account_id, "connect", True)


def test_only_the_owner_may_finish_it_and_only_for_a_broker_without_a_login_redirect(
    session_api: Pipeline, gateway: Gateway
) -> None:
    # Given a Breeze account of one user and a simulated-broker account (a redirect login) of theirs
    owner, stranger = new_account(gateway), new_account(gateway)
    account_id, login_url = start(gateway, owner, "breeze")
    returned = login_page(login_url)
    simulated_id, _ = start(gateway, owner, "simulated")
    # When another user sends a session key for the Breeze account / Then it is not found for them
    theirs = finish(gateway, stranger, {"broker": "breeze", "accountId": account_id, "params": returned})
    assert theirs.status == 404, theirs.text
    # When the owner sends parameters for the redirect-login account / Then it is refused clearly
    redirect = finish(gateway, owner, {"broker": "simulated", "accountId": simulated_id, "params": returned})
    assert redirect.status == 409, redirect.text
    # When the owner sends a session key ICICI never issued / Then the broker's refusal is a 4xx
    forged = finish(
        gateway, owner, {"broker": "breeze", "accountId": account_id, "params": {"apisession": "x"}}
    )
    assert 400 <= forged.status < 500, forged.text
    # And params without the account, or empty, are validation errors, not a 5xx
    unnamed = finish(gateway, owner, {"broker": "breeze", "params": returned})
    empty = finish(gateway, owner, {"broker": "breeze", "accountId": account_id, "params": {}})
    assert (unnamed.status, empty.status) == (400, 400), (unnamed.text, empty.text)


def test_with_app_url_the_callback_hands_the_session_key_to_the_app(
    session_api: Pipeline, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a deployment whose web app is at APP_URL, and a user back from ICICI's login page
    monkeypatch.setenv("APP_URL", "https://app.example.in/")
    reset_settings()
    owner = new_account(gateway)
    account_id, login_url = start(gateway, owner, "breeze")
    returned = login_page(login_url)
    # When the browser lands on the callback
    landed = gateway.request("GET", "/v1/broker-accounts/callback/breeze", query=returned)
    # Then it goes on to the app's Brokers page with what ICICI returned, for the app to finish
    assert landed.status == 302, landed.text
    target = urllib.parse.urlsplit(landed.headers["Location"])
    assert target.path == "/brokers"
    query = dict(urllib.parse.parse_qsl(target.query))
    assert query == {**returned, "broker": "breeze", "finish": "params"}
    # And the app, signed in, finishes it with those parameters
    params = {k: v for k, v in query.items() if k not in ("broker", "finish")}
    reply = finish(gateway, owner, {"broker": "breeze", "accountId": account_id, "params": params})
    assert reply.status == 200 and reply.body["status"] == "active", reply.text
