"""GET /v1/data-quality through the gateway: unmatched exits resolved by opening lots, orphans."""

from __future__ import annotations

from typing import Any

from tests.support.auth import Account, new_account
from tests.support.gateway import Gateway, Reply
from tradetrack.db.client import get_database


def fill(side: str, quantity: int, price: str, at: str, symbol: str = "INFY", **extra: Any) -> dict[str, Any]:
    return {"symbol": symbol, "exchange": "NSE", "side": side, "quantity": quantity, "price": price,
            "executedAt": at, "product": "CNC", "fees": "0", **extra}  # fmt: skip


def post(gateway: Gateway, account: Account, body: dict[str, Any]) -> Reply:
    reply = gateway.request("POST", "/v1/executions", json_body=body, token=account.access_token)
    assert reply.status == 201, reply.text
    return reply


def quality(gateway: Gateway, account: Account) -> dict[str, Any]:
    reply = gateway.request("GET", "/v1/data-quality", token=account.access_token)
    assert reply.status == 200, reply.text
    return dict(reply.body)


def trades_of(gateway: Gateway, account: Account) -> list[dict[str, Any]]:
    return list(gateway.request("GET", "/v1/trades", token=account.access_token).body["items"])


def add_lot(gateway: Gateway, account: Account, **fields: Any) -> Reply:
    body = {"symbol": "INFY", "quantity": 10, "averagePrice": "1400", "acquiredOn": "2024-06-03", **fields}
    reply = gateway.request("POST", "/v1/opening-lots", json_body=body, token=account.access_token)
    assert reply.status == 201, reply.text
    return reply


EMPTY = {
    "unmatchedExits": [],
    "orphanedAnnotations": [],
    "expiredContracts": [],
    "unknownContracts": [],
    "openIntraday": [],
    "counts": {
        "unmatchedExits": 0,
        "unmatchedUnits": 0,
        "orphanedAnnotations": 0,
        "expiredContracts": 0,
        "unknownContracts": 0,
        "openIntraday": 0,
        "instruments": 0,
    },
}


def test_a_new_account_has_no_issues(gateway: Gateway) -> None:
    assert quality(gateway, new_account(gateway)) == EMPTY


def test_an_unmatched_delivery_sale_is_reported_then_resolved_by_an_opening_lot(gateway: Gateway) -> None:
    # Given a delivery sale of 10 INFY with no buy in the journal
    account = new_account(gateway)
    sale = post(gateway, account, fill("SELL", 10, "1500.25", "2025-03-03T10:15:00+05:30")).body
    # Then it is no trade and no short, but an unmatched exit saying how to resolve it
    assert trades_of(gateway, account) == []
    report = quality(gateway, account)
    assert report["unmatchedExits"] == [
        {
            "accountId": "manual",
            "instrument": "EQ:INFY",
            "symbol": "INFY",
            "executionId": sale["executionId"],
            "quantity": 10,
            "unitsNeeded": 10,
            "price": "1500.25",
            "executedAt": "2025-03-03T10:15:00+05:30",
            "resolve": (
                "add an opening lot of at least 10 units acquired before 2025-03-03 (POST /v1/opening-lots)"
            ),
        }
    ]
    assert report["counts"] == {
        "unmatchedExits": 1,
        "unmatchedUnits": 10,
        "orphanedAnnotations": 0,
        "expiredContracts": 0,
        "unknownContracts": 0,
        "openIntraday": 0,
        "instruments": 1,
    }
    # When the trader adds the opening lot it asks for
    add_lot(gateway, account, quantity=10, averagePrice="1400.5", acquiredOn="2024-06-03")
    # Then the issue is gone and the sale's P&L is realized against the lot: 10 × (1500.25 − 1400.5)
    assert quality(gateway, account) == EMPTY
    [trade] = trades_of(gateway, account)
    assert (trade["status"], trade["quantity"], trade["realizedPnl"]) == ("closed", 10, "997.5")


def test_units_needed_add_up_over_the_instruments_unmatched_sales(gateway: Gateway) -> None:
    # Given two unmatched sales of INFY and one of TCS, in two accounts
    account = new_account(gateway)
    post(gateway, account, fill("SELL", 5, "1500", "2025-03-03T10:00:00+05:30"))
    post(gateway, account, fill("SELL", 7, "1510", "2025-03-05T10:00:00+05:30"))
    post(
        gateway, account, fill("SELL", 3, "4000", "2025-03-04T10:00:00+05:30", symbol="TCS", accountId="kite")
    )
    # Then the report lists them by symbol, then time; the second INFY sale needs 5 + 7 units
    exits = quality(gateway, account)["unmatchedExits"]
    assert [(e["symbol"], e["accountId"], e["quantity"], e["unitsNeeded"]) for e in exits] == [
        ("INFY", "manual", 5, 5),
        ("INFY", "manual", 7, 12),
        ("TCS", "kite", 3, 3),
    ]
    # When a lot covers only the first INFY sale
    add_lot(gateway, account, quantity=5)
    # Then the second remains, now needing its own 7 units
    exits = quality(gateway, account)["unmatchedExits"]
    assert [(e["symbol"], e["quantity"], e["unitsNeeded"]) for e in exits] == [("INFY", 7, 7), ("TCS", 3, 3)]
    # And a lot in another account resolves nothing there
    add_lot(gateway, account, symbol="TCS", quantity=3, accountId="manual")
    assert [e["symbol"] for e in quality(gateway, account)["unmatchedExits"]] == ["INFY", "TCS"]


def test_a_partly_covered_sale_reports_only_its_uncovered_units(gateway: Gateway) -> None:
    account = new_account(gateway)
    post(gateway, account, fill("BUY", 4, "1400", "2025-03-03T09:30:00+05:30"))
    post(gateway, account, fill("SELL", 10, "1500", "2025-03-04T10:00:00+05:30"))
    [exit_] = quality(gateway, account)["unmatchedExits"]
    assert (exit_["quantity"], exit_["unitsNeeded"]) == (6, 6)


def test_notes_of_a_trade_whose_fill_was_deleted_are_kept_as_an_orphan(gateway: Gateway) -> None:
    # Given an annotated trade
    account = new_account(gateway)
    buy = post(gateway, account, fill("BUY", 10, "1400", "2025-03-03T09:30:00+05:30")).body
    [trade] = trades_of(gateway, account)
    body = {"notes": "breakout entry", "tags": ["breakout"], "strategy": "momentum", "category": "swing"}
    patch = gateway.request(
        "PATCH", f"/v1/trades/{trade['tradeId']}", json_body=body, token=account.access_token
    )
    assert patch.status == 200, patch.text
    # When the fill that opened it is deleted
    assert (
        gateway.request("DELETE", f"/v1/executions/{buy['executionId']}", token=account.access_token).status
        == 204
    )
    # Then the annotation is listed, never lost
    report = quality(gateway, account)
    assert report["orphanedAnnotations"] == [
        {
            "accountId": "manual",
            "instrument": "EQ:INFY",
            "symbol": "INFY",
            "anchor": trade["tradeId"],
            "notes": "breakout entry",
            "tags": ["breakout"],
            "strategy": "momentum",
            "category": "swing",
        }
    ]
    assert report["counts"]["orphanedAnnotations"] == 1


def test_one_users_issues_are_not_anothers(gateway: Gateway) -> None:
    owner, other = new_account(gateway), new_account(gateway)
    post(gateway, owner, fill("SELL", 10, "1500", "2025-03-03T10:00:00+05:30"))
    assert quality(gateway, owner)["counts"]["unmatchedExits"] == 1
    assert quality(gateway, other) == EMPTY


def option(symbol: str, quantity: int, price: str, side: str = "BUY", **extra: Any) -> dict[str, Any]:
    return fill(side, quantity, price, "2024-06-10T10:00:00+05:30", symbol=symbol, exchange="NFO",
                product="NRML", **extra)  # fmt: skip


def test_contracts_open_past_expiry_are_listed_by_expiry_until_a_price_settles_them(gateway: Gateway) -> None:
    # Given a June monthly NIFTY call, a weekly one, and an equity sale no lot covers
    account = new_account(gateway)
    post(gateway, account, option("NIFTY24JUN23000CE", 50, "310"))
    post(gateway, account, option("NIFTY2461322000CE", 50, "1250.5", accountId="kite"))
    post(gateway, account, fill("SELL", 10, "1500", "2025-03-03T10:00:00+05:30"))
    # Then both contracts are reported, the earlier expiry first, each with what resolves it
    report = quality(gateway, account)
    assert report["expiredContracts"] == [
        {
            "accountId": "kite",
            "instrument": "NFO:NIFTY:2024-06-13:CE:22000",
            "symbol": "NIFTY2461322000CE",
            "exchange": "NFO",
            "underlying": "NIFTY",
            "expiry": "2024-06-13",
            "resolve": "PUT /v1/settlements with the underlying's settlement price on 2024-06-13",
        },
        {
            "accountId": "manual",
            "instrument": "NFO:NIFTY:2024-06:CE:23000",
            "symbol": "NIFTY24JUN23000CE",
            "exchange": "NFO",
            "underlying": "NIFTY",
            "expiry": "2024-06-27",
            "resolve": "PUT /v1/settlements with the underlying's settlement price on 2024-06-27",
        },
    ]
    assert (report["counts"]["expiredContracts"], report["counts"]["instruments"]) == (2, 3)
    # When the weekly expiry's price is given
    body = {"exchange": "NFO", "underlying": "NIFTY", "expiry": "2024-06-13", "price": "23398.9"}
    assert gateway.request("PUT", "/v1/settlements", json_body=body, token=account.access_token).status == 200
    # Then only the monthly contract remains
    report = quality(gateway, account)
    assert [e["symbol"] for e in report["expiredContracts"]] == ["NIFTY24JUN23000CE"]
    assert (report["counts"]["expiredContracts"], report["counts"]["instruments"]) == (1, 2)


def test_a_contract_that_expired_since_its_last_recomputation_is_listed(gateway: Gateway) -> None:
    # Given an open call whose pair was last recomputed before its expiry: no issue was recorded then
    account = new_account(gateway)
    post(gateway, account, option("NIFTY2461322000CE", 50, "1250.5"))
    get_database()["data_quality"].delete_many({"userId": account.user_id})
    # Then the report finds it among the open trades all the same
    report = quality(gateway, account)
    assert [(e["symbol"], e["expiry"]) for e in report["expiredContracts"]] == [
        ("NIFTY2461322000CE", "2024-06-13")
    ]
    assert report["counts"]["instruments"] == 1


def test_a_contract_whose_expiry_is_not_derived_and_a_closed_one_are_not_listed(gateway: Gateway) -> None:
    # Given an open MCX future (its expiry day is not derived) and a closed NFO position, both old
    account = new_account(gateway)
    crude = fill("BUY", 100, "6500", "2024-07-10T10:00:00+05:30", symbol="CRUDEOIL24AUGFUT", exchange="MCX")
    post(gateway, account, {**crude, "product": "NRML"})
    post(gateway, account, option("NIFTY2461322000CE", 50, "1250.5"))
    post(gateway, account, option("NIFTY2461322000CE", 50, "1300", side="SELL"))
    # Then neither is an expired contract
    assert quality(gateway, account)["expiredContracts"] == []


def test_an_unreadable_contract_and_an_mis_position_left_open_are_reported(gateway: Gateway) -> None:
    # Given a contract whose symbol the journal cannot read, and an MIS buy never squared off
    account = new_account(gateway)
    odd = {"symbol": "NIFTY 10APR2024 22000 CE", "exchange": "NFO", "side": "BUY", "quantity": 50}
    post(gateway, account, odd | {"price": "100", "executedAt": "2024-04-08T10:00:00+05:30"})
    mis = {"symbol": "INFY", "exchange": "NSE", "side": "BUY", "quantity": 3, "product": "MIS"}
    post(gateway, account, mis | {"price": "1500", "executedAt": "2024-04-08T10:00:00+05:30"})
    # Then the report names both, with what to do
    report = quality(gateway, account)
    assert [u["symbol"] for u in report["unknownContracts"]] == ["NIFTY 10APR2024 22000 CE"]
    assert [(o["symbol"], o["openQuantity"], o["direction"]) for o in report["openIntraday"]] == [
        ("INFY", 3, "LONG")
    ]
    assert (report["counts"]["unknownContracts"], report["counts"]["openIntraday"]) == (1, 1)
