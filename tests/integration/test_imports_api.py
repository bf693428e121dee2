"""POST /v1/imports through API Gateway's eyes, against real FerretDB and Redis."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pymongo.database import Database

from tests.support.auth import Account, new_account
from tests.support.gateway import Gateway, Reply
from tradetrack.db.executions import insert_executions, to_document
from tradetrack.exports import write_csv
from tradetrack.imports.service import MAX_BODY_CSV_BYTES, MAX_BODY_ROWS
from tradetrack.models.executions import ExecutionIn

Db = Database[dict[str, Any]]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
GENERIC_HEADER = "date,time,symbol,exchange,side,quantity,price,fees,product,trade_id"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def post_import(
    gateway: Gateway, account: Account, csv_text: str, fmt: str = "generic", **extra: Any
) -> Reply:
    body = {"format": fmt, "csv": csv_text, **extra}
    return gateway.request("POST", "/v1/imports", json_body=body, token=account.access_token)


def executions_of(db: Db, user_id: str) -> list[dict[str, Any]]:
    return list(db["executions"].find({"userId": user_id}).sort("_id", 1))


def trades_of(db: Db, user_id: str) -> list[dict[str, Any]]:
    return list(db["trades"].find({"userId": user_id}).sort("_id", 1))


# --- importing ----------------------------------------------------------------------------------


def test_a_zerodha_tradebook_is_imported_and_its_trades_derived(gateway: Gateway, mongo_db: Db) -> None:
    # Given a trader and a Console tradebook of 6 fills over 4 instruments
    trader = new_account(gateway)
    # When it is imported
    reply = post_import(gateway, trader, fixture("zerodha_tradebook.csv"), "zerodha_tradebook")
    # Then all fills are stored and reported, and trades exist for every instrument
    assert reply.status == 200, reply.text
    assert reply.body == {
        "imported": 6,
        "duplicates": 0,
        "rejected": [],
        "rejectedCount": 0,
        "instruments": 4,
        "unmatchedExits": 0,
        "unmatchedUnits": 0,
    }
    stored = executions_of(mongo_db, trader.user_id)
    assert {(d["source"], d["accountId"]) for d in stored} == {("zerodha", "import")}
    infy_buy = next(d for d in stored if d["externalId"] == "NSE:2024-04-01:54311212")
    assert infy_buy["price"] == 15_023_500 and infy_buy["quantity"] == 10  # ₹1502.35 scaled by 10^4
    assert infy_buy["executedAt"].isoformat().startswith("2024-04-01T03:45:23")  # 09:15:23 IST
    trades = trades_of(mongo_db, trader.user_id)
    assert {t["instrument"] for t in trades} == {
        "ISIN:INE009A01021",
        "ISIN:INE155A01022",
        "NFO:NIFTY:2024-04-11:CE:22500",
        "MCX:GOLDM:2024-05:FUT",
    }
    infy = next(t for t in trades if t["instrument"] == "ISIN:INE009A01021")
    assert infy["status"] == "closed" and infy["realizedPnl"] == 765_000  # (1510 - 1502.35) × 10
    assert next(t for t in trades if t["instrument"] == "ISIN:INE155A01022")["status"] == "open"


def test_an_upstox_trade_history_is_imported(gateway: Gateway, mongo_db: Db) -> None:
    trader = new_account(gateway)
    reply = post_import(
        gateway, trader, fixture("upstox_trades.csv"), "upstox_trades", accountId="upstox-main"
    )
    assert reply.status == 200, reply.text
    assert (reply.body["imported"], reply.body["instruments"]) == (4, 2)
    stored = executions_of(mongo_db, trader.user_id)
    assert {(d["source"], d["accountId"]) for d in stored} == {("upstox", "upstox-main")}
    assert {d["instrument"] for d in stored} == {"ISIN:INE002A01018", "NFO:BANKNIFTY 10APR2024 48000 CE"}


def test_re_importing_the_same_file_adds_nothing(gateway: Gateway, mongo_db: Db) -> None:
    # Given a generic file already imported (two of its rows are identical, without trade ids)
    trader = new_account(gateway)
    first = post_import(gateway, trader, fixture("generic.csv"))
    assert first.status == 200 and first.body["imported"] == 5
    trades_before = trades_of(mongo_db, trader.user_id)
    # When the same file is imported again
    again = post_import(gateway, trader, fixture("generic.csv"))
    # Then every row is a duplicate and nothing changes
    assert again.status == 200
    assert (again.body["imported"], again.body["duplicates"], again.body["instruments"]) == (0, 5, 0)
    assert len(executions_of(mongo_db, trader.user_id)) == 5
    assert [t["_id"] for t in trades_of(mongo_db, trader.user_id)] == [t["_id"] for t in trades_before]


def test_bad_rows_are_reported_with_line_and_reason_and_good_rows_imported(
    gateway: Gateway, mongo_db: Db
) -> None:
    # Given a file with 2 good rows and 14 bad ones
    trader = new_account(gateway)
    # When imported
    reply = post_import(gateway, trader, fixture("generic_bad_rows.csv"))
    # Then the good rows are stored and each bad one is listed with its line and a reason
    assert reply.status == 200, reply.text
    assert reply.body["imported"] == 2 and reply.body["rejectedCount"] == 14
    assert [r["line"] for r in reply.body["rejected"]] == list(range(4, 18))
    assert all(r["reason"] for r in reply.body["rejected"])
    assert len(executions_of(mongo_db, trader.user_id)) == 2
    assert [t["status"] for t in trades_of(mongo_db, trader.user_id)] == ["closed"]


def test_a_bom_and_crlf_line_ends_are_accepted(gateway: Gateway) -> None:
    trader = new_account(gateway)
    text = "\ufeff" + fixture("zerodha_tradebook.csv").replace("\n", "\r\n")
    reply = post_import(gateway, trader, text, "zerodha_tradebook")
    assert reply.status == 200 and reply.body["imported"] == 6


# --- whole-file refusals ------------------------------------------------------------------------


def test_latin1_bytes_in_the_body_are_400(gateway: Gateway, mongo_db: Db) -> None:
    # Given a body whose CSV holds raw Latin-1 bytes (not UTF-8)
    trader = new_account(gateway)
    raw = (
        b'{"format":"generic",'
        b'"csv":"date,symbol,exchange,side,quantity,price\\n2024-04-01,CAF\xc9,NSE,BUY,1,1\\n"}'
    )
    # When posted
    reply = gateway.request("POST", "/v1/imports", raw_body=raw, token=trader.access_token)
    # Then the request is refused whole
    assert reply.status == 400 and reply.error_code() == "VALIDATION_ERROR"
    assert executions_of(mongo_db, trader.user_id) == []


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        (fixture("generic.csv").encode("utf-16").decode("latin-1"), "UTF-16"),
        (fixture("generic.csv").encode("latin-1").decode("utf-8", "replace") + "caf\ufffd\n", "Latin-1"),
        ((b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256))).decode("latin-1"), "binary"),
    ],
)
def test_other_encodings_and_binary_are_422(gateway: Gateway, mongo_db: Db, text: str, hint: str) -> None:
    trader = new_account(gateway)
    reply = post_import(gateway, trader, text)
    assert reply.status == 422, reply.text
    assert hint in reply.body["error"]["message"] and "UTF-8" in reply.body["error"]["message"]
    assert executions_of(mongo_db, trader.user_id) == []


def test_an_empty_file_is_422_and_a_header_only_file_imports_nothing(gateway: Gateway) -> None:
    trader = new_account(gateway)
    empty = post_import(gateway, trader, "")
    assert empty.status == 422 and "empty" in empty.body["error"]["message"]
    header_only = post_import(gateway, trader, GENERIC_HEADER + "\r\n")
    assert header_only.status == 200
    assert header_only.body == {
        "imported": 0,
        "duplicates": 0,
        "rejected": [],
        "rejectedCount": 0,
        "instruments": 0,
        "unmatchedExits": 0,
        "unmatchedUnits": 0,
    }


def test_a_csv_over_the_body_limit_is_413_pointing_to_the_upload_flow(gateway: Gateway, mongo_db: Db) -> None:
    # Given a CSV of 1 MiB + 1 byte (a valid first row, then lines of spaces: blank once trimmed)
    trader = new_account(gateway)
    head = GENERIC_HEADER + "\n2024-04-01,09:20,SBIN,NSE,BUY,1,765.20,,,\n"
    blank = " " * 1023 + "\n"
    padding = MAX_BODY_CSV_BYTES - len(head)
    exact = head + blank * (padding // len(blank)) + " " * (padding % len(blank))
    assert len(exact.encode()) == MAX_BODY_CSV_BYTES
    # When posted, Then 413 naming the upload route; while exactly the limit is accepted
    too_big = post_import(gateway, trader, exact + "\n")
    assert too_big.status == 413 and too_big.error_code() == "PAYLOAD_TOO_LARGE"
    assert "/v1/imports/uploads" in too_big.body["error"]["message"]
    assert executions_of(mongo_db, trader.user_id) == []
    fits = post_import(gateway, trader, exact)
    assert fits.status == 200 and fits.body["imported"] == 1


def test_more_rows_than_the_body_path_takes_is_413(gateway: Gateway, mongo_db: Db) -> None:
    # Given a CSV under the byte limit with MAX_BODY_ROWS + 1 (short) rows
    trader = new_account(gateway)
    csv_text = "date,symbol,exchange,side,quantity,price\n" + "x,,,,,\n" * (MAX_BODY_ROWS + 1)
    # When posted, Then 413 naming the upload route, and nothing stored
    reply = post_import(gateway, trader, csv_text)
    assert reply.status == 413 and "/v1/imports/uploads" in reply.body["error"]["message"]
    assert executions_of(mongo_db, trader.user_id) == []


def test_a_body_over_the_function_limit_is_413(gateway: Gateway) -> None:
    trader = new_account(gateway)
    reply = post_import(gateway, trader, "x" * (7 * 1024 * 1024))
    assert reply.status == 413 and reply.error_code() == "PAYLOAD_TOO_LARGE"


def test_missing_columns_are_400_naming_them(gateway: Gateway) -> None:
    trader = new_account(gateway)
    reply = post_import(
        gateway, trader, "symbol,isin,trade_date,exchange\nINFY,,2024-04-01,NSE\n", "zerodha_tradebook"
    )
    assert reply.status == 400 and reply.error_code() == "VALIDATION_ERROR"
    for column in ("segment", "trade_type", "quantity", "price", "trade_id", "order_execution_time"):
        assert column in reply.body["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"format": "icici_tradebook", "csv": GENERIC_HEADER},
        {"csv": GENERIC_HEADER},
        {"format": "generic"},
        {"format": "generic", "csv": GENERIC_HEADER, "userId": "someone-else"},
        {"format": "generic", "csv": GENERIC_HEADER, "accountId": "../x"},
        {"format": "generic", "csv": 123},
    ],
)
def test_bad_requests_are_400(gateway: Gateway, body: dict[str, Any]) -> None:
    trader = new_account(gateway)
    reply = gateway.request("POST", "/v1/imports", json_body=body, token=trader.access_token)
    assert reply.status == 400 and reply.error_code() == "VALIDATION_ERROR"


def test_an_anonymous_import_is_401(gateway: Gateway) -> None:
    reply = gateway.request("POST", "/v1/imports", json_body={"format": "generic", "csv": GENERIC_HEADER})
    assert reply.status == 401


# --- formulas, users, later syncs --------------------------------------------------------------


def test_formula_cells_are_stored_as_data_and_exported_inert(gateway: Gateway, mongo_db: Db) -> None:
    # Given a tradebook whose trade and order ids look like spreadsheet formulas
    trader = new_account(gateway)
    # When imported
    reply = post_import(gateway, trader, fixture("zerodha_formulas.csv"), "zerodha_tradebook")
    # Then those rows are stored verbatim, and formula symbols are rejected rows
    assert reply.status == 200, reply.text
    assert reply.body["imported"] == 2 and [r["line"] for r in reply.body["rejected"]] == [4, 5]
    stored = executions_of(mongo_db, trader.user_id)
    assert {(d["externalId"], d["orderId"]) for d in stored} == {
        ("NSE:2024-04-10:=cmd|' /C calc'!A0", "@SUM(1)"),
        ("NSE:2024-04-10:+1+1", "-2+3"),
    }
    # And exported as CSV, no cell of the stored values starts a formula
    text = write_csv(
        ["externalId", "orderId", "symbol", "quantity"],
        [[d["externalId"], d["orderId"], d["symbol"], d["quantity"]] for d in stored],
    )
    cells = [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    assert "'@SUM(1)" in cells and "'-2+3" in cells
    assert "NSE:2024-04-10:=cmd|' /C calc'!A0" in cells and "NSE:2024-04-10:+1+1" in cells


def test_one_users_import_never_touches_another_users_data(gateway: Gateway, mongo_db: Db) -> None:
    # Given user A with imported fills and trades
    alice, bob = new_account(gateway), new_account(gateway)
    assert post_import(gateway, alice, fixture("zerodha_tradebook.csv"), "zerodha_tradebook").status == 200
    alice_executions = executions_of(mongo_db, alice.user_id)
    alice_trades = trades_of(mongo_db, alice.user_id)
    # When user B imports the very same file (same trade ids, same account name)
    reply = post_import(gateway, bob, fixture("zerodha_tradebook.csv"), "zerodha_tradebook")
    # Then B gets fills of his own (not duplicates of A's) and A's data is unchanged
    assert reply.status == 200 and (reply.body["imported"], reply.body["duplicates"]) == (6, 0)
    assert len(executions_of(mongo_db, bob.user_id)) == 6
    assert executions_of(mongo_db, alice.user_id) == alice_executions
    assert trades_of(mongo_db, alice.user_id) == alice_trades
    assert {t["userId"] for t in trades_of(mongo_db, bob.user_id)} == {bob.user_id}


def test_a_synced_fill_with_an_imported_trade_id_is_a_duplicate(gateway: Gateway, mongo_db: Db) -> None:
    # Given a tradebook imported into the trader's Zerodha account
    trader = new_account(gateway)
    reply = post_import(
        gateway, trader, fixture("zerodha_tradebook.csv"), "zerodha_tradebook", accountId="kite-ab1234"
    )
    assert reply.status == 200 and reply.body["imported"] == 6
    # When a broker sync later brings the same fill (source "zerodha", same exchange, day and trade_id)
    synced = ExecutionIn.model_validate(
        {
            "accountId": "kite-ab1234",
            "symbol": "INFY",
            "exchange": "NSE",
            "side": "BUY",
            "quantity": 10,
            "price": Decimal("1502.35"),
            "executedAt": "2024-04-01T09:15:23",
            "externalId": "NSE:2024-04-01:54311212",
        }
    )
    report = insert_executions(mongo_db, [to_document(trader.user_id, "zerodha", synced)])
    # Then it is a duplicate, not a second fill
    assert (len(report.inserted), report.duplicates) == (0, 1)
    assert (
        mongo_db["executions"].count_documents(
            {"userId": trader.user_id, "externalId": "NSE:2024-04-01:54311212"}
        )
        == 1
    )


def test_sells_of_shares_bought_before_the_file_are_reported_as_unmatched_exits(gateway: Gateway) -> None:
    # Given a tradebook that sells 5 INFY it never bought (held from before the file)
    trader = new_account(gateway)
    csv_text = (
        "symbol,isin,trade_date,exchange,segment,series,trade_type,auction,quantity,price,trade_id,order_id,"
        "order_execution_time\n"
        "INFY,INE009A01021,2024-05-02,NSE,EQ,EQ,sell,false,5,1500,77,88,2024-05-02T10:00:00\n"
    )
    # When it is imported
    reply = post_import(gateway, trader, csv_text, "zerodha_tradebook")
    # Then the report says so (no short was opened; GET /v1/data-quality says what to add)
    assert reply.status == 200, reply.text
    assert (reply.body["imported"], reply.body["unmatchedExits"], reply.body["unmatchedUnits"]) == (1, 1, 5)


def test_the_report_is_json_with_the_documented_fields(gateway: Gateway) -> None:
    trader = new_account(gateway)
    reply = post_import(gateway, trader, fixture("generic.csv"))
    assert set(json.loads(reply.text)) == {
        "imported",
        "duplicates",
        "rejected",
        "rejectedCount",
        "instruments",
        "unmatchedExits",
        "unmatchedUnits",
    }
