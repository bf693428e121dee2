"""Attachments are the owner's alone (another user's trade and attachment are 404) and deleting
one removes its objects."""

from __future__ import annotations

from typing import Any

from tests.integration.attachments.support import (
    a_trade,
    attach,
    listed,
    objects,
    run_worker,
    screenshot,
)
from tests.integration.test_trades_api import get
from tests.support.auth import OwnedRoute, assert_isolated, new_account
from tests.support.gateway import Gateway


def test_another_users_trade_and_attachment_are_404(api: Gateway) -> None:
    # Given an owner's trade with a ready screenshot
    owner, intruder = new_account(api), new_account(api)
    trade_id = a_trade(api, owner)
    attachment_id = attach(api, owner, trade_id, screenshot((400, 300), "PNG"))
    run_worker()

    def owner_view() -> Any:
        return [(i["attachmentId"], i["status"]) for i in listed(api, owner, trade_id)]

    # When the intruder reads, confirms or deletes it, or lists or attaches to the trade, Then 404
    assert_isolated(api, owner, intruder, [OwnedRoute("GET", "/v1/attachments/{id}"),
                                           OwnedRoute("POST", "/v1/attachments/{id}/confirm"),
                                           OwnedRoute("DELETE", "/v1/attachments/{id}")],
                    attachment_id, owner_view=owner_view)  # fmt: skip
    assert_isolated(api, owner, intruder, [OwnedRoute("GET", "/v1/attachments/trades/{id}"),
                                           OwnedRoute("POST", "/v1/attachments/trades/{id}", json_body={})],
                    trade_id, owner_view=owner_view)  # fmt: skip
    assert len(objects()) == 2


def test_delete_removes_the_objects(api: Gateway) -> None:
    # Given a ready screenshot
    trader = new_account(api)
    trade_id = a_trade(api, trader)
    attachment_id = attach(api, trader, trade_id, screenshot((800, 600), "WEBP"))
    run_worker()
    assert len(objects()) == 2
    # When it is deleted
    reply = api.request("DELETE", f"/v1/attachments/{attachment_id}", token=trader.access_token)
    # Then 204, the trade lists nothing, and its objects are gone
    assert reply.status == 204, reply.text
    assert listed(api, trader, trade_id) == [] and objects() == []
    assert get(api, trader, f"/v1/attachments/{attachment_id}").status == 404
