"""/v1/opening-lots through the gateway: manual lots, holdings-file imports, edits, isolation."""

from __future__ import annotations

import base64
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pymongo.database import Database

from tests.support.auth import Account, OwnedRoute, assert_isolated, new_account
from tests.support.gateway import Gateway, Reply
from tests.support.xlsx_writer import grid_sheet, xlsx_workbook
from tradetrack.timeutil import IST

Db = Database[dict[str, Any]]
HOLDINGS = Path(__file__).resolve().parents[1] / "fixtures" / "imports" / "holdings"
INFY = "INE009A01021"


def lot(**fields: Any) -> dict[str, Any]:
    return {"symbol": "INFY", "quantity": 10, "averagePrice": "1450.5", "acquiredOn": "2023-05-02", **fields}


def post_lot(gateway: Gateway, account: Account, body: dict[str, Any]) -> Reply:
    return gateway.request("POST", "/v1/opening-lots", json_body=body, token=account.access_token)


def lots_of(gateway: Gateway, account: Account, **query: str) -> Reply:
    return gateway.request("GET", "/v1/opening-lots", token=account.access_token, query=query)


def sell(
    gateway: Gateway, account: Account, quantity: int, price: str, at: str, symbol: str = "INFY"
) -> Reply:
    body = {
        "symbol": symbol,
        "exchange": "NSE",
        "side": "SELL",
        "quantity": quantity,
        "price": price,
        "executedAt": at,
        "product": "CNC",
        "fees": "0",
    }
    return gateway.request("POST", "/v1/executions", json_body=body, token=account.access_token)


def trades_of(gateway: Gateway, account: Account) -> list[dict[str, Any]]:
    reply = gateway.request("GET", "/v1/trades", token=account.access_token)
    assert reply.status == 200, reply.text
    return list(reply.body["items"])


def import_holdings(gateway: Gateway, account: Account, **body: Any) -> Reply:
    request = {"format": "zerodha_holdings", "accountId": "kite", **body}
    return gateway.request("POST", "/v1/opening-lots/import", json_body=request, token=account.access_token)


def test_a_manual_lot_is_stored_as_an_opening_buy_at_midnight_ist(gateway: Gateway, mongo_db: Db) -> None:
    # Given a trader / When they add a lot held before the journal starts
    account = new_account(gateway)
    reply = post_lot(gateway, account, lot(isin=INFY))
    # Then it is created with its fields, money as a decimal string
    assert reply.status == 201, reply.text
    created = reply.body
    assert created["lotId"].startswith("exe_")
    assert (created["symbol"], created["exchange"], created["isin"]) == ("INFY", "NSE", INFY)
    assert (created["quantity"], created["averagePrice"], created["acquiredOn"]) == (
        10,
        "1450.5",
        "2023-05-02",
    )
    assert (created["accountId"], created["snapshot"], created["openingOf"]) == ("manual", False, "manual")
    # And it is an execution of source "opening": a CNC buy at 00:00 IST, fees given as 0
    stored = mongo_db["executions"].find_one({"_id": created["lotId"]})
    assert stored is not None
    assert (stored["source"], stored["side"], stored["product"], stored["fees"], stored["feesGiven"]) == (
        "opening",
        "BUY",
        "CNC",
        0,
        True,
    )
    assert stored["externalId"].startswith("lot_") and stored["price"] == 14_505_000
    assert stored["executedAt"].astimezone(IST) == datetime(2023, 5, 2, tzinfo=IST)
    assert (stored["snapshot"], stored["openingOf"], stored["instrument"]) == (
        False,
        "manual",
        f"ISIN:{INFY}",
    )
    # And the list shows it; its trade is open
    [listed] = lots_of(gateway, account).body["items"]
    assert listed == created
    [trade] = trades_of(gateway, account)
    assert (trade["status"], trade["openQuantity"]) == ("open", 10)


def test_a_lot_named_by_isin_takes_the_symbol_of_the_users_fills(gateway: Gateway) -> None:
    # Given a sale of INFY that came with its ISIN
    account = new_account(gateway)
    body = {"symbol": "INFY", "exchange": "NSE", "side": "BUY", "quantity": 1, "price": "1500",
            "executedAt": "2025-03-03T10:00:00+05:30", "isin": INFY}  # fmt: skip
    assert gateway.request("POST", "/v1/executions", json_body=body, token=account.access_token).status == 201
    # When a lot is given by its ISIN alone
    reply = post_lot(gateway, account, {k: v for k, v in lot(isin=INFY).items() if k != "symbol"})
    # Then it is that instrument, named as the fills name it
    assert reply.status == 201, reply.text
    assert (reply.body["symbol"], reply.body["isin"]) == ("INFY", INFY)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (lot(quantity=0), "body.quantity"),
        (lot(quantity=10_000_001), "body.quantity"),
        (lot(averagePrice="0"), "body.averagePrice"),
        (lot(averagePrice="-5"), "body.averagePrice"),
        (lot(averagePrice="1.00001"), "body.averagePrice"),
        (lot(acquiredOn="1999-12-31"), "body.acquiredOn"),
        (lot(acquiredOn=(date.today() + timedelta(days=2)).isoformat()), "body.acquiredOn"),
        (lot(acquiredOn="someday"), "body.acquiredOn"),
        (lot(exchange="NFO"), "body.exchange"),
        (lot(isin="INE009A01022"), "body.isin"),
        ({k: v for k, v in lot().items() if k != "symbol"}, "body.symbol"),
        (lot(symbol="NIFTY24JUNFUT"), "body.exchange"),
        (lot(side="SELL"), "body.side"),
    ],
)
def test_a_bad_lot_is_400_naming_the_field_and_stores_nothing(
    gateway: Gateway, mongo_db: Db, body: dict[str, Any], field: str
) -> None:
    account = new_account(gateway)
    reply = post_lot(gateway, account, body)
    assert reply.status == 400, reply.text
    assert reply.error_code() == "VALIDATION_ERROR"
    assert field in [detail["field"] for detail in reply.body["error"]["details"]]
    assert mongo_db["executions"].count_documents({}) == 0


def test_an_edit_replaces_the_lot_and_re_derives_the_sale(gateway: Gateway, mongo_db: Db) -> None:
    # Given a lot of 10 INFY and a sale of 10 after it
    account = new_account(gateway)
    created = post_lot(gateway, account, lot()).body
    assert sell(gateway, account, 10, "1500", "2025-03-03T10:00:00+05:30").status == 201
    # When the trader corrects the lot's price, units and date
    reply = gateway.request(
        "PATCH",
        f"/v1/opening-lots/{created['lotId']}",
        json_body={"averagePrice": "1400.25", "acquiredOn": "2023-06-01"},
        token=account.access_token,
    )
    # Then the answer is the new lot (a new id), and the old one is gone
    assert reply.status == 200, reply.text
    edited = reply.body
    assert edited["lotId"] != created["lotId"]
    assert (edited["quantity"], edited["averagePrice"], edited["acquiredOn"]) == (10, "1400.25", "2023-06-01")
    assert mongo_db["executions"].find_one({"_id": created["lotId"]}) is None
    assert [item["lotId"] for item in lots_of(gateway, account).body["items"]] == [edited["lotId"]]
    # And the sale's P&L uses the new cost: 10 × (1500 − 1400.25)
    [trade] = trades_of(gateway, account)
    assert (trade["status"], trade["realizedPnl"]) == ("closed", "997.5")


def test_an_edit_needs_a_change_and_valid_fields(gateway: Gateway) -> None:
    account = new_account(gateway)
    lot_id = post_lot(gateway, account, lot()).body["lotId"]
    for body, field in (({}, "body"), ({"quantity": 0}, "body.quantity"), ({"symbol": "TCS"}, "body.symbol")):
        reply = gateway.request(
            "PATCH", f"/v1/opening-lots/{lot_id}", json_body=body, token=account.access_token
        )
        assert reply.status == 400, reply.text
        assert reply.body["error"]["details"][0]["field"] == field


def test_deleting_a_lot_brings_the_unmatched_sale_back(gateway: Gateway) -> None:
    # Given a sale covered by an opening lot
    account = new_account(gateway)
    lot_id = post_lot(gateway, account, lot()).body["lotId"]
    assert sell(gateway, account, 10, "1500", "2025-03-03T10:00:00+05:30").status == 201
    assert len(trades_of(gateway, account)) == 1
    # When the lot is deleted
    reply = gateway.request("DELETE", f"/v1/opening-lots/{lot_id}", token=account.access_token)
    # Then it is gone, the sale has no trade and is an unmatched exit again
    assert reply.status == 204
    assert lots_of(gateway, account).body["items"] == []
    assert trades_of(gateway, account) == []
    quality = gateway.request("GET", "/v1/data-quality", token=account.access_token).body
    assert quality["counts"]["unmatchedExits"] == 1


def test_only_opening_lots_are_lots(gateway: Gateway) -> None:
    # Given a manual execution
    account = new_account(gateway)
    fill = sell(gateway, account, 1, "10", "2025-03-03T10:00:00+05:30").body
    # Then the lot routes do not know it
    for method, body in (("PATCH", {"quantity": 2}), ("DELETE", None)):
        reply = gateway.request(
            method, f"/v1/opening-lots/{fill['executionId']}", json_body=body, token=account.access_token
        )
        assert reply.status == 404 and reply.error_code() == "NOT_FOUND"
    assert gateway.request("DELETE", "/v1/opening-lots/exe_nothing", token=account.access_token).status == 404


def test_another_users_lot_is_not_found(gateway: Gateway) -> None:
    owner, intruder = new_account(gateway), new_account(gateway)
    lot_id = post_lot(gateway, owner, lot()).body["lotId"]
    assert_isolated(
        gateway,
        owner,
        intruder,
        [
            OwnedRoute("PATCH", "/v1/opening-lots/{id}", {"quantity": 1}),
            OwnedRoute("DELETE", "/v1/opening-lots/{id}"),
        ],
        lot_id,
        owner_view=lambda: lots_of(gateway, owner).body,
    )
    assert lots_of(gateway, intruder).body["items"] == []


def test_the_list_pages_latest_acquisition_first_and_filters(gateway: Gateway) -> None:
    account = new_account(gateway)
    days = ["2021-01-04", "2022-01-04", "2023-01-04"]
    for day in days:
        assert post_lot(gateway, account, lot(acquiredOn=day)).status == 201
    assert post_lot(gateway, account, lot(symbol="TCS", accountId="kite")).status == 201
    first = lots_of(gateway, account, symbol="INFY", limit="2").body
    second = lots_of(gateway, account, symbol="INFY", limit="2", cursor=first["nextCursor"]).body
    assert [item["acquiredOn"] for item in first["items"] + second["items"]] == days[::-1]
    assert second["nextCursor"] is None
    [tcs] = lots_of(gateway, account, accountId="kite").body["items"]
    assert tcs["symbol"] == "TCS"
    assert lots_of(gateway, account, cursor="bad!").status == 400


def test_a_kite_holdings_csv_imports_once_as_snapshot_lots(gateway: Gateway, mongo_db: Db) -> None:
    # Given Kite's holdings download (no date in it; two sold-out rows of Qty. 0)
    account = new_account(gateway)
    csv = (HOLDINGS / "kite_holdings.csv").read_text()
    # When it is imported as the holdings of 2024-03-28
    reply = import_holdings(gateway, account, file=csv, asOf="2024-03-28")
    # Then the four holdings are lots of that day, the sold-out rows rejected with their line
    assert reply.status == 200, reply.text
    assert (reply.body["imported"], reply.body["unchanged"], reply.body["instruments"]) == (4, 0, 4)
    assert [r["line"] for r in reply.body["rejected"]] == [2, 6] and reply.body["rejectedCount"] == 2
    lots = {item["symbol"]: item for item in lots_of(gateway, account).body["items"]}
    assert sorted(lots) == ["CHOLAFIN", "HDFCBANK", "POLYCAB", "ROTO"]
    hdfc = lots["HDFCBANK"]
    assert (hdfc["quantity"], hdfc["averagePrice"], hdfc["acquiredOn"]) == (81, "1121.48", "2024-03-28")
    assert (hdfc["snapshot"], hdfc["openingOf"], hdfc["accountId"]) == (True, "holdings_file", "kite")
    stored = mongo_db["executions"].find_one({"_id": hdfc["lotId"]})
    assert stored is not None and stored["externalId"] == "holdings:2024-03-28:HDFCBANK"
    # When the same file is imported again (also as base64)
    again = import_holdings(gateway, account, file=base64.b64encode(csv.encode()).decode(), encoding="base64",
                            asOf="2024-03-28")  # fmt: skip
    # Then nothing new is stored
    assert again.status == 200, again.text
    assert (again.body["imported"], again.body["unchanged"]) == (0, 4)
    assert mongo_db["executions"].count_documents({"userId": account.user_id}) == 4


def test_a_corrected_file_of_the_same_date_replaces_the_changed_row(gateway: Gateway) -> None:
    account = new_account(gateway)
    header = "Instrument,Qty.,Avg. cost,LTP,Cur. val,P&L,Net chg.,Day chg.\n"
    first = header + "ROTO,50,624,611.65,30582.5,-617.5,-1.98,-0.79\nPOLYCAB,20,3037.31,2822.7,0,0,0,0\n"
    assert import_holdings(gateway, account, file=first, asOf="2024-03-28").body["imported"] == 2
    corrected = first.replace("ROTO,50,624", "ROTO,55,620.5")
    reply = import_holdings(gateway, account, file=corrected, asOf="2024-03-28")
    assert (reply.body["imported"], reply.body["unchanged"]) == (1, 1)
    roto = [item for item in lots_of(gateway, account).body["items"] if item["symbol"] == "ROTO"]
    assert [(item["quantity"], item["averagePrice"]) for item in roto] == [(55, "620.5")]
    [roto_trade] = [t for t in trades_of(gateway, account) if t["symbol"] == "ROTO"]
    assert roto_trade["openQuantity"] == 55


def test_a_console_xlsx_states_its_own_date(gateway: Gateway) -> None:
    # Given Console's XLSX "Equity Holdings Statement as on 2026-01-30", sent as base64
    account = new_account(gateway)
    header = ["Symbol", "ISIN", "Sector", "Quantity Available", "Quantity Discrepant", "Quantity Long Term",
              "Quantity Pledged (Margin)", "Quantity Pledged (Loan)", "Average Price"]  # fmt: skip
    grid: list[list[Any]] = [
        [None, "Equity Holdings Statement as on 2026-01-30"],
        [],
        [None, *header],
        [
            None,
            "INFY",
            INFY,
            "IT",
            Decimal(8),
            Decimal(2),
            Decimal(8),
            Decimal(0),
            Decimal(0),
            Decimal("1502.355"),
        ],
    ]
    shared: list[str] = []
    data = base64.b64encode(xlsx_workbook(grid_sheet(grid, shared), shared=shared)).decode()
    # When it is imported without asOf
    reply = import_holdings(gateway, account, file=data, encoding="base64")
    # Then its lot is the holding of the statement's date (available + discrepant), price to 4 places
    assert reply.status == 200, reply.text
    [item] = lots_of(gateway, account).body["items"]
    assert (item["symbol"], item["isin"], item["quantity"]) == ("INFY", INFY, 10)
    assert (item["averagePrice"], item["acquiredOn"]) == ("1502.355", "2026-01-30")
    # And a contradicting asOf is refused
    wrong = import_holdings(gateway, account, file=data, encoding="base64", asOf="2026-01-29")
    assert wrong.status == 400 and wrong.body["error"]["details"][0]["field"] == "body.asOf"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({}, "body.asOf"),  # the file states no date
        ({"asOf": (date.today() + timedelta(days=2)).isoformat()}, "body.asOf"),
        ({"asOf": "2024-03-28", "encoding": "base64"}, "body.file"),  # CSV text is not base64
        ({"asOf": "2024-03-28", "format": "upstox_holdings"}, "body.format"),
        ({"asOf": "2024-03-28", "accountId": "a b"}, "body.accountId"),
    ],
)
def test_a_bad_import_is_400_naming_the_field(gateway: Gateway, extra: dict[str, Any], field: str) -> None:
    account = new_account(gateway)
    reply = import_holdings(gateway, account, file=(HOLDINGS / "kite_holdings.csv").read_text(), **extra)
    assert reply.status == 400, reply.text
    assert field in [detail["field"] for detail in reply.body["error"]["details"]]


def test_a_lot_from_a_file_is_corrected_by_the_file_not_edited(gateway: Gateway) -> None:
    account = new_account(gateway)
    header = "Instrument,Qty.,Avg. cost\n"
    assert import_holdings(gateway, account, file=header + "ROTO,50,624\n", asOf="2024-03-28").status == 200
    [roto] = lots_of(gateway, account).body["items"]
    reply = gateway.request(
        "PATCH", f"/v1/opening-lots/{roto['lotId']}", json_body={"quantity": 5}, token=account.access_token
    )
    assert reply.status == 409 and reply.error_code() == "CONFLICT"
    assert (
        gateway.request("DELETE", f"/v1/opening-lots/{roto['lotId']}", token=account.access_token).status
        == 204
    )
