"""A real trader's year through the local stack, over HTTP, as a new user would bring it: the FY
2024-25 Zerodha tradebook, the platform's corporate actions, then the holdings file (Console's
export) — and the tax P&L per ISIN equals Zerodha's own report to 4 decimals
(tests/fixtures/imports/real/SOURCES.md)."""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

from local.background import BackgroundStack
from local.stack import LocalStack
from tests.e2e.accounts import PASSWORD, register_and_login
from tests.support.real_tradebook import HOLDINGS, TRADEBOOK, expected_by_isin
from tradetrack.money import money_str, to_scaled

pytestmark = pytest.mark.e2e
ACCOUNT = "kite-ab1234"
ACTIONS = [
    {"kind": "split", "symbol": "JINDALSAW", "isin": "INE324A01024", "exDate": "2024-10-09", "ratio": "2:1"},
    {
        "kind": "rename",
        "symbol": "JINDALSAW",
        "isin": "INE324A01024",
        "exDate": "2024-10-09",
        "newIsin": "INE324A01032",
        "purpose": "the sub-division's new ISIN",
    },
    {
        "kind": "demerger",
        "symbol": "STAR",
        "isin": "INE939A01011",
        "exDate": "2024-12-06",
        "ratio": "1:2",
        "costPercent": "10.65",
        "newIsin": "INE013P01021",
        "newSymbol": "ONESOURCE",
    },
]


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    local = LocalStack(port=0, ws_port=0, schedules_enabled=False, sqs_poll_interval_s=0.1)
    with BackgroundStack(local):
        yield local


def headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def admin_token(local: LocalStack) -> str:
    user_id, _ = register_and_login(local.rest_url, prefix="ops", name="Ops")
    users = local.mongo["tradetrack"]["users"]
    users.update_one({"_id": user_id}, {"$set": {"role": "admin"}})
    email = users.find_one({"_id": user_id})["email"]
    login = requests.post(
        f"{local.rest_url}/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=30
    )
    return str(login.json()["accessToken"])


def tax_by_isin(local: LocalStack, token: str) -> dict[str, int]:
    reply = requests.get(
        f"{local.rest_url}/v1/analytics/tax-pnl", params={"fy": "2024-25"}, headers=headers(token), timeout=60
    )
    assert reply.status_code == 200, reply.text
    totals: dict[str, int] = defaultdict(int)
    for item in reply.json()["items"]:
        totals[item["isin"]] += to_scaled(Decimal(item["realizedPnl"]))
    return dict(totals)


def unmatched_units(local: LocalStack, token: str) -> int:
    reply = requests.get(f"{local.rest_url}/v1/data-quality", headers=headers(token), timeout=30)
    assert reply.status_code == 200, reply.text
    return sum(int(item["quantity"]) for item in reply.json()["unmatchedExits"])


def test_a_real_year_gives_zerodhas_tax_pnl_per_isin(stack: LocalStack) -> None:
    _, token = register_and_login(stack.rest_url, prefix="real", name="Real Trader")
    url = stack.rest_url
    # Given the year's tradebook imported into the trader's Zerodha account
    body: dict[str, Any] = {"format": "zerodha_tradebook", "csv": TRADEBOOK.read_text(), "accountId": ACCOUNT}
    first = requests.post(f"{url}/v1/imports", json=body, headers=headers(token), timeout=120)
    assert first.status_code == 200, first.text
    assert (first.json()["imported"], first.json()["rejectedCount"]) == (378, 0)
    # Then no short is invented: the sells of older shares wait as unmatched exits
    assert unmatched_units(stack, token) > 0
    trades = requests.get(
        f"{url}/v1/trades", params={"limit": 500}, headers=headers(token), timeout=30
    ).json()
    assert not [t for t in trades["items"] if t["direction"] == "SHORT"]

    # When the platform records the year's corporate actions (after the import: fills are re-keyed)
    admin = admin_token(stack)
    for action in ACTIONS:
        reply = requests.post(
            f"{url}/v1/admin/corporate-actions", json=action, headers=headers(admin), timeout=60
        )
        assert reply.status_code in (200, 201), reply.text
    # And the trader adds the holdings from before the year (Console's holdings export, XLSX)
    holdings = {
        "format": "zerodha_holdings",
        "file": base64.b64encode(HOLDINGS.read_bytes()).decode(),
        "encoding": "base64",
        "accountId": ACCOUNT,
    }
    reply = requests.post(f"{url}/v1/opening-lots/import", json=holdings, headers=headers(token), timeout=120)
    assert reply.status_code == 200, reply.text
    assert (reply.json()["imported"], reply.json()["rejectedCount"]) == (29, 0)

    # Then every ISIN's realized P&L is Zerodha's, nothing is unmatched, and the year is +1,22,221.0698
    expected, _, symbols = expected_by_isin()
    ours = tax_by_isin(stack, token)
    wrong = {
        symbols[i]: (money_str(ours.get(i, 0)), money_str(v)) for i, v in expected.items() if ours.get(i) != v
    }
    assert wrong == {}
    assert money_str(sum(ours.values())) == "122221.0698"
    assert unmatched_units(stack, token) == 0

    # And importing the same files again changes nothing
    again = requests.post(f"{url}/v1/imports", json=body, headers=headers(token), timeout=120).json()
    assert (again["imported"], again["duplicates"]) == (0, 378)
    assert (
        requests.post(
            f"{url}/v1/opening-lots/import", json=holdings, headers=headers(token), timeout=120
        ).json()["imported"]
        == 0
    )
    assert tax_by_isin(stack, token) == ours
