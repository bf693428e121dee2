"""Connecting Angel One and ShareKhan accounts through API Gateway as a browser would: POST
/v1/broker-accounts, the broker's login page (its stub server) and back to the OAuth callback, then
a disconnect. (Breeze's login page returns no state, so the callback cannot take it yet:
docs/brokers.md.)"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from pymongo.database import Database

from local.broker_stubs.angelone import PUBLISHER_LOGIN, AngelOneStubServer
from local.broker_stubs.common import StubBrokerServer, demo_day
from local.broker_stubs.sharekhan import LOGIN_PATH as SHAREKHAN_LOGIN_PAGE
from local.broker_stubs.sharekhan import SharekhanStubServer
from local.brokers import bootstrap_brokers
from tests.support.auth import new_account
from tests.support.gateway import Gateway
from tests.support.pipeline import Pipeline, make_pipeline
from tradetrack.config import reset_settings

Document = dict[str, Any]
USER = "S123456"
STUBS = {"angelone": (AngelOneStubServer, "ANGELONE"), "sharekhan": (SharekhanStubServer, "SHAREKHAN")}
LOGIN_PAGES = {"angelone": PUBLISHER_LOGIN, "sharekhan": SHAREKHAN_LOGIN_PAGE}


@pytest.fixture(params=sorted(STUBS))
def broker(
    request: pytest.FixtureRequest, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, StubBrokerServer, Pipeline]]:
    """The broker's stub server, its app in the broker-apps secret, the settings pointing at it."""
    from tradetrack.aws import aws_client

    name = str(request.param)
    kind, prefix = STUBS[name]
    pipeline = make_pipeline(aws_client("sqs"))
    with kind(books={USER: demo_day()}) as server:
        server.redirect_url = f"http://api.test/v1/broker-accounts/callback/{name}"
        login_page = f"{server.url}{LOGIN_PAGES[name]}"
        env = {**pipeline.env(), f"{prefix}_BASE_URL": server.url, f"{prefix}_LOGIN_URL": login_page}
        for variable, value in env.items():
            monkeypatch.setenv(variable, value)
        reset_settings()
        bootstrap_brokers({name: {"apiKey": server.api_key, "apiSecret": server.api_secret}})
        yield name, server, pipeline
    reset_settings()


def test_an_account_connects_through_the_brokers_login_and_disconnects(
    broker: tuple[str, StubBrokerServer, Pipeline], gateway: Gateway, mongo_db: Database[Document]
) -> None:
    name, server, pipeline = broker
    # Given a user who starts connecting the broker
    owner = new_account(gateway)
    started = gateway.request(
        "POST", "/v1/broker-accounts", json_body={"broker": name}, token=owner.access_token
    )
    assert started.status == 201, started.text
    # When the browser signs in at the broker's page and is sent back to the callback
    page = requests.get(f"{started.body['loginUrl']}&user_id={USER}", allow_redirects=False, timeout=10)
    assert page.status_code == 302
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.headers["Location"]).query))
    reply = gateway.request("GET", f"/v1/broker-accounts/callback/{name}", query=params)
    # Then the account is active for the broker's user, and its first sync is queued
    assert reply.status == 200, reply.text
    assert (reply.body["accountId"], reply.body["status"]) == (started.body["accountId"], "active")
    assert reply.body["brokerUserId"] == USER
    (queued,) = pipeline.bodies("sync")
    assert queued["accountId"] == started.body["accountId"]
    # And disconnecting forgets it (Angel One's session is ended at the broker too)
    gone = gateway.request(
        "DELETE", f"/v1/broker-accounts/{started.body['accountId']}", token=owner.access_token
    )
    assert gone.status == 204
    assert mongo_db["broker_accounts"].find_one({"_id": started.body["accountId"]}) is None
    if name == "angelone":
        assert any(method == "POST" and path.endswith("/logout") for method, path in server.requests)
