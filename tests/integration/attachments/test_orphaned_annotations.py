"""Screenshots of an orphaned annotation: deleted with it, or moved with it to the trade it is
attached to."""

from __future__ import annotations

from tests.integration.attachments.support import (
    listed,
    objects,
    orphan_with_a_screenshot,
)
from tests.integration.test_trades_api import execute, get, trades
from tests.support.auth import new_account
from tests.support.gateway import Gateway


def test_a_screenshot_is_deleted_with_its_orphaned_annotation(api: Gateway) -> None:
    # Given an orphaned annotation whose trade had a screenshot
    trader = new_account(api)
    anchor, attachment_id = orphan_with_a_screenshot(api, trader)
    # Then the screenshot is kept while the annotation is (listed by id, objects in S3)
    assert get(api, trader, f"/v1/attachments/{attachment_id}").body["status"] == "ready"
    assert len(objects()) == 2
    # When the user discards the orphaned annotation
    reply = api.request("DELETE", f"/v1/data-quality/orphans/{anchor}", token=trader.access_token)
    # Then the screenshot and its objects are deleted with it
    assert reply.status == 204, reply.text
    assert get(api, trader, f"/v1/attachments/{attachment_id}").status == 404
    assert objects() == []


def test_a_screenshot_goes_with_its_orphaned_annotation_to_the_trade_it_is_attached_to(api: Gateway) -> None:
    # Given an orphaned annotation whose trade had a screenshot, and another trade
    trader = new_account(api)
    anchor, attachment_id = orphan_with_a_screenshot(api, trader)
    execute(api, trader, "BUY", 5, "200", symbol="TCS", at="11:00")
    [target] = [t["tradeId"] for t in trades(api, trader) if t["symbol"] == "TCS"]
    assert listed(api, trader, target) == []
    # When the orphan is attached to that trade
    body = {"tradeId": target}
    reply = api.request(
        "POST", f"/v1/data-quality/orphans/{anchor}/attach", json_body=body, token=trader.access_token
    )
    # Then the trade lists the screenshot
    assert reply.status == 200, reply.text
    assert [(i["attachmentId"], i["tradeId"], i["status"]) for i in listed(api, trader, target)] == [
        (attachment_id, target, "ready")
    ]
