"""/v1/brokers and /v1/broker-accounts through API Gateway, with the OAuth login completed against
the simulated broker (Kite v3 wire format) exactly as a browser would."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo.database import Database

from local.broker_server import SimulatedKiteServer
from local.brokers import SIMULATED_APP, bootstrap_brokers
from local.simulated import DEMO_USER_ID, SimulatedBroker
from tests.support.auth import Account, OwnedRoute, assert_isolated, new_account
from tests.support.gateway import Gateway, Reply
from tests.support.pipeline import KITE_APP, UPSTOX_APP, Pipeline, make_pipeline
from tradetrack.config import reset_settings

Document = dict[str, Any]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@pytest.fixture
def simulated_broker() -> Iterator[SimulatedKiteServer]:
    server = SimulatedKiteServer(
        SimulatedBroker(), api_key=SIMULATED_APP["apiKey"], api_secret=SIMULATED_APP["apiSecret"]
    )
    server.start_in_thread()
    yield server
    server.stop_thread()


@pytest.fixture
def brokers_api(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, simulated_broker: SimulatedKiteServer
) -> Iterator[Pipeline]:
    from tradetrack.aws import aws_client

    pipeline = make_pipeline(aws_client("sqs"))
    for name, value in {**pipeline.env(), "SIMULATED_BROKER_URL": simulated_broker.url}.items():
        monkeypatch.setenv(name, value)
    reset_settings()
    bootstrap_brokers({"simulated": SIMULATED_APP})
    simulated_broker.redirect_url = "http://api.test/v1/broker-accounts/callback/simulated"
    yield pipeline
    reset_settings()


def browser_login(login_url: str, *, user_id: str = DEMO_USER_ID) -> dict[str, str]:
    """Follow the broker's login page to its redirect; the callback's query parameters."""
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(f"{login_url}&user_id={user_id}", timeout=5)
    assert redirect.value.code == 302
    location = redirect.value.headers["Location"]
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def connect(gateway: Gateway, owner: Account) -> tuple[str, dict[str, str]]:
    started = gateway.request(
        "POST", "/v1/broker-accounts", json_body={"broker": "simulated"}, token=owner.access_token
    )
    assert started.status == 201, started.text
    return started.body["accountId"], browser_login(started.body["loginUrl"])


def callback(gateway: Gateway, params: dict[str, str]) -> Reply:
    return gateway.request("GET", "/v1/broker-accounts/callback/simulated", query=params)


def test_the_brokers_and_their_capabilities_are_listed(brokers_api: Pipeline, gateway: Gateway) -> None:
    # Given a user, and a server configured with the apps of Zerodha, Upstox and the simulated broker
    owner = new_account(gateway)
    bootstrap_brokers({"zerodha": KITE_APP, "upstox": UPSTOX_APP, "simulated": SIMULATED_APP})
    # When they ask which brokers are supported
    reply = gateway.request("GET", "/v1/brokers", token=owner.access_token)
    # Then Zerodha, Upstox and the simulated broker are there, with what each can do
    assert reply.status == 200
    brokers = {item["broker"]: item for item in reply.body["items"]}
    assert set(brokers) == {"zerodha", "upstox", "simulated"}
    assert brokers["upstox"]["capabilities"]["historicalTrades"] is True
    assert brokers["zerodha"]["capabilities"]["historicalTrades"] is False


def brokers_listed(gateway: Gateway, owner: Account) -> list[str]:
    reply = gateway.request("GET", "/v1/brokers", token=owner.access_token)
    assert reply.status == 200, reply.text
    return [item["broker"] for item in reply.body["items"]]


def test_only_brokers_whose_app_is_configured_are_offered(brokers_api: Pipeline, gateway: Gateway) -> None:
    # Given the local stack's configuration: only the simulated broker's app is in the secret
    owner = new_account(gateway)
    # Then only the simulated broker is offered, not Zerodha or Upstox (they would answer 503)
    assert brokers_listed(gateway, owner) == ["simulated"]
    # When a deployment has Zerodha's app and the CDK template's empty Upstox entry, no simulated one
    bootstrap_brokers({"zerodha": KITE_APP, "upstox": {"apiKey": "", "apiSecret": ""}})
    # Then only Zerodha is offered: an app without its key or secret is not configured
    assert brokers_listed(gateway, owner) == ["zerodha"]
    # And a key without its secret is not configured either
    bootstrap_brokers({"zerodha": {"apiKey": KITE_APP["apiKey"]}, "upstox": UPSTOX_APP})
    assert brokers_listed(gateway, owner) == ["upstox"]


def test_a_deployed_configuration_offers_only_its_configured_brokers_never_the_simulator(
    brokers_api: Pipeline, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a deployed stage whose secret holds Zerodha's app, the CDK template's empty Upstox entry
    # and (by mistake) the simulated broker's app
    owner = new_account(gateway)
    monkeypatch.setenv("STAGE", "dev")
    reset_settings()
    bootstrap_brokers(
        {"zerodha": KITE_APP, "upstox": {"apiKey": "", "apiSecret": ""}, "simulated": SIMULATED_APP}
    )
    # When a user asks which brokers they can connect
    listed = brokers_listed(gateway, owner)
    # Then only Zerodha is offered: the simulator exists only in the local stack
    assert listed == ["zerodha"]
    # And connecting the simulator is refused clearly
    reply = gateway.request(
        "POST", "/v1/broker-accounts", json_body={"broker": "simulated"}, token=owner.access_token
    )
    assert reply.status == 409, reply.text


def test_connecting_a_broker_that_is_not_configured_is_refused_clearly(
    brokers_api: Pipeline, gateway: Gateway, mongo_db: Database[Document]
) -> None:
    # Given a server with only the simulated broker's app
    owner = new_account(gateway)
    # When a user tries to connect Zerodha anyway
    reply = gateway.request(
        "POST", "/v1/broker-accounts", json_body={"broker": "zerodha"}, token=owner.access_token
    )
    # Then it is a clear 409 naming the broker, not a 503, and no pending account is left behind
    assert reply.status == 409, reply.text
    assert reply.error_code() == "CONFLICT"
    assert "zerodha is not configured" in reply.body["error"]["message"]
    assert mongo_db["broker_accounts"].count_documents({"userId": owner.user_id}) == 0
    # And the configured one still connects
    assert connect(gateway, owner)[0]


def test_connecting_a_broker_completes_oauth_and_queues_the_first_sync(
    brokers_api: Pipeline, gateway: Gateway, mongo_db: Database[Document]
) -> None:
    # Given a user who starts connecting the simulated broker and logs in there
    owner = new_account(gateway)
    account_id, params = connect(gateway, owner)
    assert params["status"] == "success" and params["request_token"] and params["state"]
    # When the broker sends the browser back to the callback
    reply = callback(gateway, params)
    # Then the account is active for the broker's user, and its first sync (with backfill) is queued
    assert reply.status == 200, reply.text
    assert (reply.body["accountId"], reply.body["status"], reply.body["brokerUserId"]) == (
        account_id,
        "active",
        DEMO_USER_ID,
    )
    assert reply.body["tokenExpiresAt"].endswith("+05:30")
    (request,) = brokers_api.bodies("sync")
    assert (request["accountId"], request["reason"], request["backfill"]) == (account_id, "connect", True)
    # and the access token is stored only encrypted
    stored = mongo_db["broker_accounts"].find_one({"_id": account_id})
    token = SimulatedKiteServer(SimulatedBroker(), api_secret=SIMULATED_APP["apiSecret"]).access_token(
        DEMO_USER_ID
    )
    assert token not in json.dumps(stored, default=str)
    listed = gateway.request("GET", "/v1/broker-accounts", token=owner.access_token)
    assert [a["accountId"] for a in listed.body["items"]] == [account_id]


def test_a_callback_cannot_be_replayed_or_forged(brokers_api: Pipeline, gateway: Gateway) -> None:
    # Given a completed login
    owner = new_account(gateway)
    _, params = connect(gateway, owner)
    assert callback(gateway, params).status == 200
    # When the same callback comes again, or with a state this server never issued, or none
    replayed = callback(gateway, params)
    forged = callback(gateway, {**params, "state": "made-up"})
    missing = callback(gateway, {k: v for k, v in params.items() if k != "state"})
    # Then each is refused with a clear 400, never a 500
    for reply in (replayed, forged, missing):
        assert reply.status == 400, reply.text
        assert reply.error_code() == "BAD_REQUEST"
    assert "expired or was already used" in replayed.body["error"]["message"]


def test_a_state_issued_for_one_broker_is_refused_on_another(brokers_api: Pipeline, gateway: Gateway) -> None:
    # Given a login started for the simulated broker
    owner = new_account(gateway)
    _, params = connect(gateway, owner)
    # When the callback arrives on Zerodha's path
    reply = gateway.request("GET", "/v1/broker-accounts/callback/zerodha", query=params)
    # Then it is refused
    assert reply.status == 400
    assert reply.body["error"]["details"] == [{"field": "state", "issue": "broker"}]


def test_a_broker_refusing_the_login_is_a_400(brokers_api: Pipeline, gateway: Gateway) -> None:
    # Given a login whose request token the broker does not accept
    owner = new_account(gateway)
    _, params = connect(gateway, owner)
    # When the callback carries a wrong request token
    reply = callback(gateway, {**params, "request_token": "0" * 32})
    # Then the user is told the broker refused it
    assert reply.status == 400
    assert "refused the login" in reply.body["error"]["message"]


def test_with_app_url_the_callback_lands_in_the_app_with_its_outcome(
    brokers_api: Pipeline, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a deployment whose web app is at APP_URL, and a login the broker completed
    monkeypatch.setenv("APP_URL", "https://app.example.in/")
    reset_settings()
    owner = new_account(gateway)
    account_id, params = connect(gateway, owner)
    # When the browser comes back to the callback, and again with the same (spent) link
    landed = callback(gateway, params)
    spent = callback(gateway, params)
    # Then both go to the app's Brokers page: the account and its status, or why the login failed
    assert landed.status == 302, landed.text
    assert (
        landed.headers["Location"] == f"https://app.example.in/brokers?accountId={account_id}&status=active"
    )
    assert spent.status == 302, spent.text
    location = urllib.parse.urlsplit(spent.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("https", "app.example.in", "/brokers")
    query = dict(urllib.parse.parse_qsl(location.query))
    assert query["error"] == "BAD_REQUEST"
    assert "expired or was already used" in query["message"]


def test_bad_requests_are_rejected_clearly(brokers_api: Pipeline, gateway: Gateway) -> None:
    # Given a user
    owner = new_account(gateway)
    # When they ask for an unknown broker, or send no body, or use an unknown callback path
    unknown = gateway.request(
        "POST", "/v1/broker-accounts", json_body={"broker": "icici"}, token=owner.access_token
    )
    empty = gateway.request("POST", "/v1/broker-accounts", token=owner.access_token)
    path = gateway.request("GET", "/v1/broker-accounts/callback/icici", query={"state": "x"})
    # Then 400 validation errors and a 404
    assert (unknown.status, unknown.error_code()) == (400, "VALIDATION_ERROR")
    assert empty.status == 400
    assert path.status == 404


def test_manual_syncs_are_queued_logged_and_rate_limited(brokers_api: Pipeline, gateway: Gateway) -> None:
    # Given a connected account
    owner = new_account(gateway)
    account_id, params = connect(gateway, owner)
    callback(gateway, params)
    brokers_api.bodies("sync")
    # When the user asks for syncs in quick succession
    replies = [
        gateway.request("POST", f"/v1/broker-accounts/{account_id}/sync", token=owner.access_token)
        for _ in range(3)
    ]
    # Then two are accepted and queued, the third is rate limited with Retry-After
    assert [r.status for r in replies] == [202, 202, 429]
    assert int(replies[2].headers["Retry-After"]) >= 1
    queued = brokers_api.bodies("sync")
    assert [q["syncId"] for q in queued] == [r.body["syncId"] for r in replies[:2]]
    # and each shows in the account's sync logs as queued, newest first
    logs = gateway.request("GET", f"/v1/broker-accounts/{account_id}/sync-logs", token=owner.access_token)
    assert [(log["syncId"], log["status"]) for log in logs.body["items"]] == [
        (replies[1].body["syncId"], "queued"),
        (replies[0].body["syncId"], "queued"),
    ]


def test_a_sync_log_left_running_long_past_the_workers_timeout_is_served_as_interrupted(
    brokers_api: Pipeline, gateway: Gateway, mongo_db: Database[Document]
) -> None:
    # Given a connected account with a sync running for a minute and one left running for 20
    # minutes (its worker cut off on its last attempt), and one that failed long ago
    owner = new_account(gateway)
    account_id, params = connect(gateway, owner)
    callback(gateway, params)
    now = datetime.now(UTC)
    for sync_id, status, minutes in (
        ("s-now", "running", 1),
        ("s-cut", "running", 20),
        ("s-old", "failed", 60),
    ):
        mongo_db["sync_logs"].insert_one(
            {
                "_id": sync_id,
                "userId": owner.user_id,
                "accountId": account_id,
                "broker": "simulated",
                "reason": "schedule",
                "status": status,
                "startedAt": now - timedelta(minutes=minutes),
                "finishedAt": None,
                "error": "BrokerError: down" if status == "failed" else None,
            }
        )
    # When the user reads the account's sync logs
    logs = gateway.request("GET", f"/v1/broker-accounts/{account_id}/sync-logs", token=owner.access_token)
    # Then the recent one is still running, the cut-off one failed as interrupted, the old one as it was
    assert logs.status == 200, logs.text
    served = {log["syncId"]: (log["status"], log["error"]) for log in logs.body["items"]}
    assert served["s-now"] == ("running", None)
    assert served["s-cut"][0] == "failed" and served["s-cut"][1].startswith("Interrupted")
    assert served["s-old"] == ("failed", "BrokerError: down")


def test_an_account_needing_login_cannot_be_synced_until_reconnected(
    brokers_api: Pipeline, gateway: Gateway, mongo_db: Database[Document]
) -> None:
    # Given an account whose login lapsed
    owner = new_account(gateway)
    account_id, params = connect(gateway, owner)
    callback(gateway, params)
    mongo_db["broker_accounts"].update_one({"_id": account_id}, {"$set": {"status": "needs_login"}})
    # When the user asks for a sync, then reconnects the same account
    refused = gateway.request("POST", f"/v1/broker-accounts/{account_id}/sync", token=owner.access_token)
    restarted = gateway.request(
        "POST",
        "/v1/broker-accounts",
        json_body={"broker": "simulated", "accountId": account_id},
        token=owner.access_token,
    )
    again = callback(gateway, browser_login(restarted.body["loginUrl"]))
    # Then the sync is a 409 until the same account is active again
    assert refused.status == 409
    assert (restarted.status, restarted.body["accountId"]) == (201, account_id)
    assert (again.status, again.body["status"]) == (200, "active")


def test_disconnecting_logs_out_at_the_broker_and_keeps_the_executions(
    brokers_api: Pipeline,
    gateway: Gateway,
    mongo_db: Database[Document],
    simulated_broker: SimulatedKiteServer,
) -> None:
    # Given a connected account with an execution
    owner = new_account(gateway)
    account_id, params = connect(gateway, owner)
    callback(gateway, params)
    mongo_db["executions"].insert_one({"_id": "exe_1", "userId": owner.user_id, "accountId": account_id})
    # When the user disconnects it
    reply = gateway.request("DELETE", f"/v1/broker-accounts/{account_id}", token=owner.access_token)
    # Then it is gone, its token with it (logged out at the broker too), and the execution stays
    assert reply.status == 204
    assert any(
        method == "DELETE" and path.startswith("/session/token") for method, path in simulated_broker.requests
    )
    assert gateway.request("GET", "/v1/broker-accounts", token=owner.access_token).body["items"] == []
    assert mongo_db["broker_accounts"].find_one({"_id": account_id}) is None
    assert mongo_db["executions"].find_one({"_id": "exe_1"}) is not None


def test_another_users_account_is_not_found(brokers_api: Pipeline, gateway: Gateway) -> None:
    # Given two users, one with a connected account
    owner, intruder = new_account(gateway), new_account(gateway)
    account_id, params = connect(gateway, owner)
    callback(gateway, params)
    routes = [
        OwnedRoute("POST", "/v1/broker-accounts/{id}/sync"),
        OwnedRoute("GET", "/v1/broker-accounts/{id}/sync-logs"),
        OwnedRoute("DELETE", "/v1/broker-accounts/{id}"),
        OwnedRoute("POST", "/v1/broker-accounts", json_body={"broker": "simulated", "accountId": "{id}"}),
    ]
    # When the intruder uses the owner's account id, then it is 404 and nothing changed
    routes[-1] = OwnedRoute(
        "POST", "/v1/broker-accounts", json_body={"broker": "simulated", "accountId": account_id}
    )
    assert_isolated(
        gateway,
        owner,
        intruder,
        routes,
        account_id,
        owner_view=lambda: gateway.request("GET", "/v1/broker-accounts", token=owner.access_token).body,
    )
