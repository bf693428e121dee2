"""Corporate actions through the gateway: the admins' platform table (by hand and from NSE's file),
users' own actions and disablings, and the trades they re-derive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pymongo.database import Database

from tests.support.auth import Account, OwnedRoute, assert_isolated, login, new_account
from tests.support.gateway import Gateway, Reply

Db = Database[dict[str, Any]]
NSE_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "corporate" / "nse_actions.csv"
ADMIN_ACTIONS = "/v1/admin/corporate-actions"
ACTIONS = "/v1/corporate-actions"
RELIANCE, JIOFIN = "INE002A01018", "INE758E01017"
HDFCBANK_2019, HDFCBANK_NOW = "INE040A01026", "INE040A01034"  # before and after its 2019 split
# Jio Financial Services' demerger from Reliance: 1 JIOFIN per RELIANCE, 4.68 % of the cost (RIL, 2023)
DEMERGER = {
    "kind": "demerger",
    "symbol": "RELIANCE",
    "isin": RELIANCE,
    "exDate": "2023-07-20",
    "ratio": "1:1",
    "newIsin": JIOFIN,
    "newSymbol": "JIOFIN",
    "costPercent": "4.68",
}


def make_admin(db: Db, gateway: Gateway) -> Account:
    account = new_account(gateway)
    db["users"].update_one({"_id": account.user_id}, {"$set": {"role": "admin"}})
    reply = login(gateway, account.email)
    return Account(account.user_id, account.email, reply.body["accessToken"], reply.body["refreshToken"])


def fill(side: str, quantity: int, price: str, at: str, symbol: str = "ROTO", **extra: Any) -> dict[str, Any]:
    return {"symbol": symbol, "exchange": "NSE", "side": side, "quantity": quantity, "price": price,
            "executedAt": at, "product": "CNC", "fees": "0", **extra}  # fmt: skip


def post_fill(gateway: Gateway, account: Account, body: dict[str, Any]) -> None:
    reply = gateway.request("POST", "/v1/executions", json_body=body, token=account.access_token)
    assert reply.status == 201, reply.text


def roto_split(**fields: Any) -> dict[str, Any]:
    """Roto Pumps' face-value split from Rs 2 to Re 1, ex-date 8 Nov 2024 (NSE)."""
    return {"kind": "split", "symbol": "ROTO", "exDate": "2024-11-08", "ratio": "2:1", **fields}


def call(gateway: Gateway, account: Account, method: str, path: str, body: Any = None, **query: str) -> Reply:
    return gateway.request(method, path, json_body=body, token=account.access_token, query=query)


def trades_of(gateway: Gateway, account: Account, symbol: str | None = None) -> list[dict[str, Any]]:
    reply = call(gateway, account, "GET", "/v1/trades", **({"symbol": symbol} if symbol else {}))
    assert reply.status == 200, reply.text
    return list(reply.body["items"])


def unmatched(gateway: Gateway, account: Account) -> int:
    return int(call(gateway, account, "GET", "/v1/data-quality").body["counts"]["unmatchedExits"])


def hold_and_sell_roto(gateway: Gateway, account: Account) -> None:
    """57 bought at 577.83 before the split, 114 sold at 285.55 after it."""
    post_fill(gateway, account, fill("BUY", 57, "577.83", "2024-10-21T10:00:00+05:30"))
    post_fill(gateway, account, fill("SELL", 114, "285.55", "2024-12-02T11:00:00+05:30"))


SPLIT_PNL = "-383.61"  # 114 × 285.55 − 57 × 577.83
UNSPLIT_PNL = "-16659.96"  # without the split: 57 × (285.55 − 577.83), the other 57 sold unmatched


def roto_pnl(gateway: Gateway, account: Account) -> list[tuple[int, str]]:
    """(units, realized P&L) of the closed ROTO trades."""
    return [(t["quantity"], t["realizedPnl"]) for t in trades_of(gateway, account) if t["status"] == "closed"]


def test_a_platform_split_re_derives_the_holders_trades(gateway: Gateway, mongo_db: Db) -> None:
    # Given a trader who bought 57 ROTO before its 2:1 split and sold 114 after it
    admin, trader = make_admin(mongo_db, gateway), new_account(gateway)
    hold_and_sell_roto(gateway, trader)
    # Then, without the split, only 57 of the 114 sold are matched (the rest is no short)
    assert roto_pnl(gateway, trader) == [(57, UNSPLIT_PNL)]
    # When an admin records the split
    reply = call(gateway, admin, "POST", ADMIN_ACTIONS, roto_split())
    # Then it is stored with its multiplier, and the whole sale is matched: one closed trade
    assert reply.status == 201, reply.text
    action = reply.body
    assert (action["scope"], action["kind"], action["ratio"], action["multiplier"]) == (
        "platform",
        "split",
        "2:1",
        "2:1",
    )
    assert (action["instrument"], action["keys"], action["source"]) == ("EQ:ROTO", ["EQ:ROTO"], "admin")
    assert roto_pnl(gateway, trader) == [(114, SPLIT_PNL)]
    # And the trader sees the action in force on their instrument
    assert [a["actionId"] for a in call(gateway, trader, "GET", ACTIONS).body["items"]] == [
        action["actionId"]
    ]
    # When the admin deletes it, the trades are as before it
    assert call(gateway, admin, "DELETE", f"{ADMIN_ACTIONS}/{action['actionId']}").status == 204
    assert roto_pnl(gateway, trader) == [(57, UNSPLIT_PNL)]
    assert call(gateway, admin, "DELETE", f"{ADMIN_ACTIONS}/{action['actionId']}").status == 404


def test_a_split_recorded_after_the_sale_resolves_its_unmatched_exit(gateway: Gateway, mongo_db: Db) -> None:
    # Given the sale of 114 ROTO of which 57 are unmatched
    admin, trader = make_admin(mongo_db, gateway), new_account(gateway)
    hold_and_sell_roto(gateway, trader)
    assert unmatched(gateway, trader) == 1
    # When an admin records the split, the data-quality report has nothing left to say
    assert call(gateway, admin, "POST", ADMIN_ACTIONS, roto_split()).status == 201
    assert unmatched(gateway, trader) == 0


def test_fills_after_the_action_are_derived_with_it(gateway: Gateway, mongo_db: Db) -> None:
    # Given the split recorded first (by ISIN and symbol)
    admin, trader = make_admin(mongo_db, gateway), new_account(gateway)
    created = call(gateway, admin, "POST", ADMIN_ACTIONS, roto_split(isin="INE535D01029"))
    assert created.status == 201, created.text
    assert created.body["keys"] == ["ISIN:INE535D01029", "EQ:ROTO"]
    # When the trader's fills arrive without an ISIN
    hold_and_sell_roto(gateway, trader)
    # Then they are matched across the split
    assert roto_pnl(gateway, trader) == [(114, SPLIT_PNL)]
    assert unmatched(gateway, trader) == 0


def test_admin_routes_are_403_for_users(gateway: Gateway) -> None:
    user = new_account(gateway)
    for method, path, body in (
        ("POST", ADMIN_ACTIONS, roto_split()),
        ("GET", ADMIN_ACTIONS, None),
        ("DELETE", f"{ADMIN_ACTIONS}/act_x", None),
        ("POST", f"{ADMIN_ACTIONS}/import", {"csv": NSE_FILE.read_text()}),
    ):
        reply = call(gateway, user, method, path, body)
        assert reply.status == 403 and reply.error_code() == "FORBIDDEN", (method, path, reply.text)
    assert gateway.request("GET", ADMIN_ACTIONS).status == 401


def test_the_nse_file_imports_its_capital_changes_once(gateway: Gateway, mongo_db: Db) -> None:
    # Given a trader holding ROTO across the split NSE's file states
    admin, trader = make_admin(mongo_db, gateway), new_account(gateway)
    hold_and_sell_roto(gateway, trader)
    # When an admin imports 27 real rows of NSE's corporate actions download
    reply = call(gateway, admin, "POST", f"{ADMIN_ACTIONS}/import", {"csv": NSE_FILE.read_text()})
    # Then its 10 capital changes are stored, 10 rows stated none, 7 are left for a person
    assert reply.status == 200, reply.text
    report = reply.body
    assert (report["imported"], report["unchanged"], report["ignored"], report["rejected"]) == (10, 0, 10, [])
    assert [(u["line"], u["symbol"]) for u in report["unknown"]] == [
        (6, "JMCPROJECT"), (7, "ABIRLANUVO"), (10, "3PLAND"), (14, "TATACONSUM"), (21, "EASTSILK"),
        (24, "EXICOM"), (27, "DBREALTY"),
    ]  # fmt: skip
    # And ROTO's split and later bonus are listed latest first, in the API's ratio terms
    roto = call(gateway, admin, "GET", ADMIN_ACTIONS, symbol="ROTO").body["items"]
    assert [(a["kind"], a["exDate"], a["ratio"], a["multiplier"], a["source"]) for a in roto] == [
        ("bonus", "2025-07-11", "2:1", "3:1", "nse"),
        ("split", "2024-11-08", "2:1", "2:1", "nse"),
    ]
    # And the trader's sale is matched across the split
    assert roto_pnl(gateway, trader) == [(114, SPLIT_PNL)]
    # When the same file is imported again, nothing changes
    again = call(gateway, admin, "POST", f"{ADMIN_ACTIONS}/import", {"csv": NSE_FILE.read_text()}).body
    assert (again["imported"], again["unchanged"]) == (0, 10)
    assert mongo_db["corporate_actions"].count_documents({}) == 10
    # And an action an admin enters that the file already has is a conflict
    duplicate = call(gateway, admin, "POST", ADMIN_ACTIONS, roto_split())
    assert duplicate.status == 409 and duplicate.error_code() == "CONFLICT"


def test_an_nse_action_also_keys_the_isin_the_platform_knows_for_its_symbol(
    gateway: Gateway, mongo_db: Db
) -> None:
    # Given a trader whose ROTO fills carry the ISIN (as tradebook rows do): they are keyed by it
    admin, trader = make_admin(mongo_db, gateway), new_account(gateway)
    isin = "INE535D01029"
    post_fill(gateway, trader, fill("BUY", 57, "577.83", "2024-10-21T10:00:00+05:30", isin=isin))
    post_fill(gateway, trader, fill("SELL", 114, "285.55", "2024-12-02T11:00:00+05:30", isin=isin))
    # When NSE's row of the split, which names only the symbol, is imported
    header, *rows = NSE_FILE.read_text().splitlines()
    roto_rows = [row for row in rows if row.startswith('"ROTO"')]
    reply = call(gateway, admin, "POST", f"{ADMIN_ACTIONS}/import", {"csv": "\n".join([header, *roto_rows])})
    # Then the actions apply to the ISIN too, and the sale is matched
    assert (reply.body["imported"], reply.body["unchanged"]) == (2, 0)
    keys = [a["keys"] for a in call(gateway, admin, "GET", ADMIN_ACTIONS, isin=isin).body["items"]]
    assert keys == [[f"ISIN:{isin}", "EQ:ROTO"]] * 2
    assert roto_pnl(gateway, trader) == [(114, SPLIT_PNL)]


def test_the_admin_list_pages_and_filters(gateway: Gateway, mongo_db: Db) -> None:
    admin = make_admin(mongo_db, gateway)
    call(gateway, admin, "POST", f"{ADMIN_ACTIONS}/import", {"csv": NSE_FILE.read_text()})
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = call(
            gateway, admin, "GET", ADMIN_ACTIONS, limit="3", **({"cursor": cursor} if cursor else {})
        ).body
        seen += [item["exDate"] for item in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert len(seen) == 10 and seen == sorted(seen, reverse=True)
    [hdfc] = call(gateway, admin, "GET", ADMIN_ACTIONS, symbol="HDFCBANK").body["items"]
    assert (hdfc["exDate"], hdfc["ratio"]) == ("2019-09-19", "2:1")
    assert call(gateway, admin, "GET", ADMIN_ACTIONS, isin="INE009A01021").body["items"] == []
    assert call(gateway, admin, "GET", ADMIN_ACTIONS, isin="INE009A01022").status == 400
    assert call(gateway, admin, "GET", ADMIN_ACTIONS, cursor="nope").status == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (roto_split(ratio="1:2"), "body.ratio"),  # a split lowers the face value
        (roto_split(ratio="2-1"), "body.ratio"),
        (roto_split(ratio="0:1"), "body.ratio"),
        ({k: v for k, v in roto_split().items() if k != "ratio"}, "body.ratio"),
        (roto_split(kind="consolidation"), "body.ratio"),  # 2:1 raises no face value
        ({k: v for k, v in roto_split().items() if k != "symbol"}, "body.symbol"),
        (roto_split(isin="INE535D01028"), "body.isin"),
        (roto_split(kind="merger"), "body.kind"),
        (roto_split(exDate="08-11-2024"), "body.exDate"),
        (roto_split(newSymbol="ROTOPUMPS"), "body.newSymbol"),  # a split keeps the identity
        (roto_split(costPercent="5"), "body.costPercent"),
        ({**DEMERGER, "costPercent": None}, "body.costPercent"),
        ({**DEMERGER, "costPercent": "100"}, "body.costPercent"),
        ({**DEMERGER, "newIsin": None}, "body.newIsin"),
        ({"kind": "rename", "symbol": "ROTO", "exDate": "2024-01-01"}, "body.newIsin"),
        ({"kind": "rename", "symbol": "ROTO", "exDate": "2024-01-01", "newIsin": JIOFIN}, "body.isin"),
        (roto_split(unknown=1), "body.unknown"),
    ],
)  # fmt: skip
def test_a_bad_action_is_400_naming_the_field(
    gateway: Gateway, mongo_db: Db, body: dict[str, Any], field: str
) -> None:
    admin = make_admin(mongo_db, gateway)
    reply = call(gateway, admin, "POST", ADMIN_ACTIONS, body)
    assert reply.status == 400, reply.text
    assert field in [detail["field"] for detail in reply.body["error"]["details"]], reply.text
    assert mongo_db["corporate_actions"].count_documents({}) == 0


def test_a_user_disables_a_platform_action_for_themselves_only(gateway: Gateway, mongo_db: Db) -> None:
    # Given two traders with the same ROTO fills and the platform's split
    admin, trader, other = make_admin(mongo_db, gateway), new_account(gateway), new_account(gateway)
    hold_and_sell_roto(gateway, trader)
    hold_and_sell_roto(gateway, other)
    platform = call(gateway, admin, "POST", ADMIN_ACTIONS, roto_split()).body
    # When one of them disables it
    reply = call(gateway, trader, "POST", f"{ACTIONS}/{platform['actionId']}/disable")
    # Then for them the split no longer applies; for the other it still does
    assert reply.status == 200, reply.text
    disabling = reply.body
    assert (disabling["scope"], disabling["disabled"], disabling["kind"]) == ("user", True, "split")
    assert roto_pnl(gateway, trader) == [(57, UNSPLIT_PNL)]
    assert roto_pnl(gateway, other) == [(114, SPLIT_PNL)]
    mine = call(gateway, trader, "GET", ACTIONS).body
    assert mine["items"] == [] and [d["actionId"] for d in mine["disabled"]] == [disabling["actionId"]]
    # When they delete their disabling, the split applies again
    assert call(gateway, trader, "DELETE", f"{ACTIONS}/{disabling['actionId']}").status == 204
    assert roto_pnl(gateway, trader) == [(114, SPLIT_PNL)]
    # And the platform's own action cannot be deleted through the user routes
    assert call(gateway, trader, "DELETE", f"{ACTIONS}/{platform['actionId']}").status == 404


def test_a_users_own_action_applies_to_them_only(gateway: Gateway, mongo_db: Db) -> None:
    # Given two traders with the same ROTO fills and no platform action
    trader, other = new_account(gateway), new_account(gateway)
    hold_and_sell_roto(gateway, trader)
    hold_and_sell_roto(gateway, other)
    # When one records the split for themselves
    reply = call(gateway, trader, "POST", ACTIONS, roto_split())
    # Then their sale is matched; the other's is not
    assert reply.status == 201, reply.text
    assert (reply.body["scope"], reply.body["source"]) == ("user", "user")
    assert roto_pnl(gateway, trader) == [(114, SPLIT_PNL)]
    assert roto_pnl(gateway, other) == [(57, UNSPLIT_PNL)]
    assert call(gateway, other, "GET", ACTIONS).body == {"items": [], "disabled": []}
    # And the other can neither delete nor disable it
    assert_isolated(
        gateway,
        trader,
        other,
        [OwnedRoute("DELETE", f"{ACTIONS}/{{id}}"), OwnedRoute("POST", f"{ACTIONS}/{{id}}/disable")],
        reply.body["actionId"],
        owner_view=lambda: call(gateway, trader, "GET", ACTIONS).body,
    )
    # When the trader deletes it, their trades are as before it
    assert call(gateway, trader, "DELETE", f"{ACTIONS}/{reply.body['actionId']}").status == 204
    assert roto_pnl(gateway, trader) == [(57, UNSPLIT_PNL)]


def test_a_users_correction_replaces_the_platform_action_for_them(gateway: Gateway, mongo_db: Db) -> None:
    # Given the platform's ROTO split entered with a wrong ratio
    admin, trader = make_admin(mongo_db, gateway), new_account(gateway)
    hold_and_sell_roto(gateway, trader)
    wrong = call(gateway, admin, "POST", ADMIN_ACTIONS, roto_split(ratio="3:1")).body
    # When the trader records the right one for the same ex-date, by ISIN
    post_fill(gateway, trader, fill("BUY", 1, "290", "2024-12-03T10:00:00+05:30"))
    reply = call(gateway, trader, "POST", ACTIONS, roto_split(ratio="2:1"))
    # Then theirs takes the platform action's place (the same action key), and P&L follows it
    assert reply.status == 201, reply.text
    assert reply.body["instrument"] == wrong["instrument"]
    [in_force] = call(gateway, trader, "GET", ACTIONS).body["items"]
    assert (in_force["actionId"], in_force["ratio"]) == (reply.body["actionId"], "2:1")
    assert roto_pnl(gateway, trader) == [(114, SPLIT_PNL)]


def test_a_user_cannot_rename_instruments(gateway: Gateway) -> None:
    trader = new_account(gateway)
    body = {"kind": "rename", "symbol": "HDFCBANK", "isin": HDFCBANK_2019, "exDate": "2019-09-19",
            "newIsin": HDFCBANK_NOW}  # fmt: skip
    reply = call(gateway, trader, "POST", ACTIONS, body)
    assert reply.status == 400 and reply.body["error"]["details"][0]["field"] == "body.kind"


def test_a_rename_to_a_new_isin_makes_one_holding_of_both_isins(gateway: Gateway, mongo_db: Db) -> None:
    # Given HDFC Bank's 2019 split recorded on its old ISIN, and a trader's buy under that ISIN
    admin, trader = make_admin(mongo_db, gateway), new_account(gateway)
    split = {
        "kind": "split",
        "symbol": "HDFCBANK",
        "isin": HDFCBANK_2019,
        "exDate": "2019-09-19",
        "ratio": "2:1",
    }
    assert call(gateway, admin, "POST", ADMIN_ACTIONS, split).status == 201
    buy = fill("BUY", 10, "2400", "2019-09-02T10:00:00+05:30", "HDFCBANK", isin=HDFCBANK_2019)
    post_fill(gateway, trader, buy)
    # When an admin records the ISIN change of the split's day
    rename = {"kind": "rename", "symbol": "HDFCBANK", "isin": HDFCBANK_2019, "exDate": "2019-09-19",
              "newIsin": HDFCBANK_NOW}  # fmt: skip
    reply = call(gateway, admin, "POST", ADMIN_ACTIONS, rename)
    assert reply.status == 201, reply.text
    assert (reply.body["ratio"], reply.body["multiplier"], reply.body["newIsin"]) == (
        None,
        "1:1",
        HDFCBANK_NOW,
    )
    # Then the old ISIN leads to the new one, the stored buy moved there, and the split applies there
    link = mongo_db["instrument_aliases"].find_one({"_id": f"ISIN:{HDFCBANK_2019}"})
    assert link is not None and link["isin"] == HDFCBANK_NOW
    assert {doc["instrument"] for doc in mongo_db["executions"].find({"userId": trader.user_id})} == {
        f"ISIN:{HDFCBANK_NOW}"
    }
    listed = call(gateway, admin, "GET", ADMIN_ACTIONS, isin=HDFCBANK_NOW).body["items"]
    [stored_split] = [action for action in listed if action["kind"] == "split"]
    assert stored_split["keys"] == [f"ISIN:{HDFCBANK_2019}", "EQ:HDFCBANK", f"ISIN:{HDFCBANK_NOW}"]
    # When the trader sells 20 under the new ISIN, the sale is matched across the split
    post_fill(
        gateway, trader, fill("SELL", 20, "1250", "2019-10-01T10:00:00+05:30", "HDFCBANK", isin=HDFCBANK_NOW)
    )
    [trade] = trades_of(gateway, trader)
    assert (trade["status"], trade["quantity"], trade["realizedPnl"]) == (
        "closed",
        20,
        "1000",
    )  # 25,000 − 24,000
    # And a user may not disable a rename
    refused = call(gateway, trader, "POST", f"{ACTIONS}/{reply.body['actionId']}/disable")
    assert refused.status == 409


def test_a_demerger_moves_part_of_the_cost_to_the_new_company(gateway: Gateway, mongo_db: Db) -> None:
    # Given 10 RELIANCE bought for 25,000 before Jio Financial's demerger (1:1, 4.68 % of the cost)
    admin, trader = make_admin(mongo_db, gateway), new_account(gateway)
    post_fill(
        gateway, trader, fill("BUY", 10, "2500", "2023-07-03T10:00:00+05:30", "RELIANCE", isin=RELIANCE)
    )
    body = DEMERGER
    # When an admin records it
    reply = call(gateway, admin, "POST", ADMIN_ACTIONS, body)
    assert reply.status == 201, reply.text
    assert (reply.body["multiplier"], reply.body["costPercent"]) == ("1:1", "4.68")
    # Then selling both sides realizes P&L on the apportioned costs: 23,830 and 1,170
    post_fill(
        gateway, trader, fill("SELL", 10, "2500", "2023-08-21T10:00:00+05:30", "RELIANCE", isin=RELIANCE)
    )
    post_fill(gateway, trader, fill("SELL", 10, "250", "2023-08-21T10:00:00+05:30", "JIOFIN", isin=JIOFIN))
    pnl = {t["symbol"]: t["realizedPnl"] for t in trades_of(gateway, trader) if t["status"] == "closed"}
    assert pnl == {"RELIANCE": "1170", "JIOFIN": "1330"}
    assert unmatched(gateway, trader) == 0
