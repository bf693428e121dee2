"""/v1/risk/... through the gateway: limits of the user and of an account (override field by field),
refusals of bad bodies, another user's account, and the violations' newest-first pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.database import Database

from tests.support.auth import Account, OwnedRoute, assert_isolated, new_account
from tests.support.gateway import Gateway
from tradetrack.risk import repository as risk_repo

Db = Database[dict[str, Any]]
USER_LIMITS = {
    "maxLossPerDay": "5000",
    "maxOrderValue": "100000.50",
    "maxOpenPositions": 5,
    "allowedExchanges": ["NSE", "BSE", "NSE"],
}


def paper_account(gateway: Gateway, account: Account) -> str:
    reply = gateway.request(
        "POST", "/v1/paper/accounts", json_body={"startingBalance": "100000"}, token=account.access_token
    )
    assert reply.status == 201, reply.text
    return str(reply.body["accountId"])


def put(gateway: Gateway, account: Account, path: str, body: Any) -> Any:
    return gateway.request("PUT", path, json_body=body, token=account.access_token)


def test_user_limits_are_set_read_back_exact_and_replaced_whole(gateway: Gateway) -> None:
    # Given a trader without limits
    trader = new_account(gateway)
    unset = gateway.request("GET", "/v1/risk/limits", token=trader.access_token)
    assert unset.status == 200 and unset.body["maxLossPerDay"] is None and unset.body["updatedAt"] is None
    # When they set limits
    reply = put(gateway, trader, "/v1/risk/limits", USER_LIMITS)
    # Then they read back exactly (money as decimal strings, exchanges deduplicated and sorted)
    assert reply.status == 200, reply.text
    read = gateway.request("GET", "/v1/risk/limits", token=trader.access_token).body
    assert read["scope"] == "user"
    assert (read["maxLossPerDay"], read["maxOrderValue"]) == ("5000", "100000.5")
    assert read["maxOpenPositions"] == 5 and read["allowedExchanges"] == ["BSE", "NSE"]
    assert read["maxPositionValue"] is None and read["updatedAt"] is not None
    # and a second PUT replaces them whole
    put(gateway, trader, "/v1/risk/limits", {"maxQuantityPerOrder": 100})
    again = gateway.request("GET", "/v1/risk/limits", token=trader.access_token).body
    assert again["maxQuantityPerOrder"] == 100 and again["maxLossPerDay"] is None


def test_account_limits_override_the_users_field_by_field(gateway: Gateway) -> None:
    # Given user limits and a paper account
    trader = new_account(gateway)
    paper_id = paper_account(gateway, trader)
    put(gateway, trader, "/v1/risk/limits", USER_LIMITS)
    # When the account sets its own order value and exchanges
    path = f"/v1/risk/accounts/{paper_id}/limits"
    reply = put(gateway, trader, path, {"maxOrderValue": "20000", "allowedExchanges": ["NSE"]})
    # Then the effective limits take the account's fields and the user's others
    assert reply.status == 200, reply.text
    body = gateway.request("GET", path, token=trader.access_token).body
    assert body["account"]["maxOrderValue"] == "20000" and body["account"]["maxLossPerDay"] is None
    assert body["user"]["maxOrderValue"] == "100000.5"
    effective = body["effective"]
    assert effective["maxOrderValue"] == "20000" and effective["allowedExchanges"] == ["NSE"]
    assert effective["maxLossPerDay"] == "5000" and effective["maxOpenPositions"] == 5


def test_bad_limits_are_refused_with_a_4xx_and_change_nothing(gateway: Gateway) -> None:
    # Given a trader with limits
    trader = new_account(gateway)
    put(gateway, trader, "/v1/risk/limits", USER_LIMITS)
    before = gateway.request("GET", "/v1/risk/limits", token=trader.access_token).body
    bad_bodies = [
        {"maxLossPerDay": 5000},  # a JSON number: money must be a decimal string
        {"maxLossPerDay": "0"},  # zero: null means no limit
        {"maxOrderValue": "12.34567"},  # five decimal places
        {"maxOrderValue": "-1"},
        {"maxOpenPositions": 0},
        {"maxQuantityPerOrder": "ten"},
        {"allowedExchanges": ["NASDAQ"]},
        {"allowedInstruments": ["INFY"]},  # not EXCHANGE:SYMBOL
        {"maxLoss": "100"},  # an unknown field
    ]
    for body in bad_bodies:
        # When each is sent
        reply = put(gateway, trader, "/v1/risk/limits", body)
        # Then it is a client error, never a 5xx
        assert 400 <= reply.status < 500, (body, reply.status, reply.text)
    raw = gateway.request("PUT", "/v1/risk/limits", raw_body="{not json", token=trader.access_token)
    assert 400 <= raw.status < 500
    # and the limits are as they were
    assert gateway.request("GET", "/v1/risk/limits", token=trader.access_token).body == before


def test_another_users_account_and_an_unknown_one_are_not_found(gateway: Gateway) -> None:
    # Given an owner's paper account with limits, and an intruder
    owner, intruder = new_account(gateway), new_account(gateway)
    paper_id = paper_account(gateway, owner)
    put(gateway, owner, f"/v1/risk/accounts/{paper_id}/limits", {"maxOrderValue": "1000"})
    routes = [
        OwnedRoute("GET", "/v1/risk/accounts/{id}/limits"),
        OwnedRoute("PUT", "/v1/risk/accounts/{id}/limits", {"maxOrderValue": "999999"}),
    ]
    # Then the intruder gets 404 on both and the owner's limits are unchanged
    assert_isolated(
        gateway,
        owner,
        intruder,
        routes,
        paper_id,
        owner_view=lambda: (
            gateway.request("GET", f"/v1/risk/accounts/{paper_id}/limits", token=owner.access_token).body
        ),
    )
    # and an account that is nobody's (paper or broker) is 404 for the owner too
    for unknown in ("pa_doesnotexist", "ba_doesnotexist"):
        reply = gateway.request("GET", f"/v1/risk/accounts/{unknown}/limits", token=owner.access_token)
        assert reply.status == 404


def test_violations_are_listed_newest_first_in_keyset_pages(gateway: Gateway, mongo_db: Db) -> None:
    # Given five violations of a trader on two accounts, and one of another trader
    trader, other = new_account(gateway), new_account(gateway)
    start = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
    for i in range(5):
        account = "pa_a" if i % 2 == 0 else "pa_b"
        day = (start + timedelta(days=i)).date().isoformat()
        at = start + timedelta(days=i)
        risk_repo.record_violation(mongo_db, violation(trader.user_id, account, day, at))
    late = start + timedelta(days=9)
    risk_repo.record_violation(mongo_db, violation(other.user_id, "pa_x", "2026-03-09", late))
    # When the trader pages through them two at a time
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        reply = gateway.request("GET", "/v1/risk/violations", token=trader.access_token, query=query)
        assert reply.status == 200, reply.text
        seen.extend(reply.body["items"])
        cursor = reply.body.get("nextCursor")
        if not cursor:
            break
    # Then they see their five, newest first, each once, with the figures as decimal strings
    assert [v["day"] for v in seen] == ["2026-03-06", "2026-03-05", "2026-03-04", "2026-03-03", "2026-03-02"]
    assert seen[0]["rule"] == "max_loss_per_day"
    assert (seen[0]["value"], seen[0]["limit"]) == ("-5200.5", "5000")
    # and one account's only, when asked
    only = gateway.request(
        "GET", "/v1/risk/violations", token=trader.access_token, query={"accountId": "pa_b"}
    ).body["items"]
    assert [v["accountId"] for v in only] == ["pa_b", "pa_b"]
    # and a cursor they did not get is a 400
    bad = gateway.request("GET", "/v1/risk/violations", token=trader.access_token, query={"cursor": "!!"})
    assert bad.status == 400


def violation(user_id: str, account_id: str, day: str, at: datetime) -> dict[str, Any]:
    return {
        "_id": risk_repo.violation_id(user_id, account_id, "max_loss_per_day", day),
        "userId": user_id,
        "accountId": account_id,
        "rule": "max_loss_per_day",
        "day": day,
        "message": "day P&L at its max loss",
        "value": -52_005_000,
        "limit": 50_000_000,
        "dayPnl": -52_005_000,
        "exposure": 0,
        "squaredOff": True,
        "notified": True,
        "createdAt": at,
    }


def test_put_on_the_violations_list_is_method_not_allowed(gateway: Gateway) -> None:
    # Given the greedy /v1/risk/{proxy+} resource, which takes PUT for every path
    trader = new_account(gateway)
    # When the GET-only violations list is sent a PUT
    reply = gateway.request("PUT", "/v1/risk/violations", json_body={}, token=trader.access_token)
    # Then it is a 405 naming GET, as for any undeclared method
    assert reply.status == 405 and reply.error_code() == "METHOD_NOT_ALLOWED"
    assert reply.headers.get("Allow") == "GET"
