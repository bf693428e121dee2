"""Grandfathering through the API: a share bought before 1 Feb 2018, sold in FY 2024-25, its
FMV of 31 Jan 2018 entered per ISIN (/v1/analytics/fmv) — s.55(2)(ac) of the Income-tax Act."""

from __future__ import annotations

from typing import Any

from tests.support.auth import Account, new_account
from tests.support.gateway import Gateway

INFY = "INE009A01021"


def tax(gateway: Gateway, account: Account) -> dict[str, Any]:
    reply = gateway.request(
        "GET", "/v1/analytics/tax-pnl", token=account.access_token, query={"fy": "2024-25"}
    )
    assert reply.status == 200, reply.text
    return dict(reply.body)


def test_a_long_term_sale_of_pre_2018_shares_uses_the_fmv_once_given(gateway: Gateway) -> None:
    # Given 10 INFY held since May 2017 at 100 (an opening lot) and sold in June 2024 at 200
    account = new_account(gateway)
    lot = {"symbol": "INFY", "isin": INFY, "quantity": 10, "averagePrice": "100", "acquiredOn": "2017-05-02"}
    assert (
        gateway.request("POST", "/v1/opening-lots", json_body=lot, token=account.access_token).status == 201
    )
    sell = {
        "symbol": "INFY",
        "exchange": "NSE",
        "side": "SELL",
        "quantity": 10,
        "price": "200",
        "executedAt": "2024-06-03T10:00:00+05:30",
        "isin": INFY,
    }
    assert gateway.request("POST", "/v1/executions", json_body=sell, token=account.access_token).status == 201
    # Then without an FMV the gain is on actual cost, and the ISIN is listed as needing one
    before = tax(gateway, account)
    (row,) = before["items"]
    assert (row["head"], row["realizedPnl"], row["grandfathered"]) == ("ltcg", "1000", False)
    assert [item["isin"] for item in before["needsFmv"]] == [INFY]
    # When the trader enters the FMV of 31 Jan 2018 (150)
    reply = gateway.request(
        "PUT", f"/v1/analytics/fmv/{INFY}", json_body={"price": "150"}, token=account.access_token
    )
    assert reply.status == 200, reply.text
    # Then the cost is max(100, min(150, 200)) = 150: a gain of 500, grandfathered
    (row,) = tax(gateway, account)["items"]
    assert (row["cost"], row["realizedPnl"], row["grandfathered"]) == ("1500", "500", True)
    assert tax(gateway, account)["needsFmv"] == []
    listed = gateway.request("GET", "/v1/analytics/fmv", token=account.access_token)
    assert listed.body == [{"isin": INFY, "price": "150"}]
    # And another user sees none of it; a bad ISIN is a 400 naming it
    other = new_account(gateway)
    assert gateway.request("GET", "/v1/analytics/fmv", token=other.access_token).body == []
    bad = gateway.request(
        "PUT", "/v1/analytics/fmv/INE009A01020", json_body={"price": "1"}, token=account.access_token
    )
    assert bad.status == 400 and bad.body["error"]["details"][0]["field"] == "path.isin"
    # And deleting it brings actual cost back
    assert gateway.request("DELETE", f"/v1/analytics/fmv/{INFY}", token=account.access_token).status == 204
    assert tax(gateway, account)["items"][0]["realizedPnl"] == "1000"
