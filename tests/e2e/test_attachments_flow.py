"""Screenshots through the local stack over real sockets: POST /v1/attachments/trades/{tradeId}, the
file POSTed to the presigned form that moto's S3 server answers, the confirmation, the attachments
queue delivered to the attachment worker by the stack's SQS poller, and the trade's list whose
presigned links moto serves (docs/attachments.md)."""

from __future__ import annotations

import io
from typing import Any

import pytest
import requests
from PIL import Image

from local.stack import LocalStack
from tests.e2e.accounts import register_and_login
from tests.e2e.doubles import wait_until
from tests.e2e.test_import_upload_flow import auth, stack

pytestmark = pytest.mark.e2e
__all__ = ["stack"]  # the local stack fixture, shared with the upload-flow tests (one per module)


def listed(local: LocalStack, token: str, trade_id: str) -> list[dict[str, Any]]:
    reply = requests.get(
        f"{local.rest_url}/v1/attachments/trades/{trade_id}", headers=auth(token), timeout=30
    )
    assert reply.status_code == 200, reply.text
    return list(reply.json()["items"])


def test_a_screenshot_is_uploaded_processed_and_shown(stack: LocalStack) -> None:
    # Given a trader's trade
    _, token = register_and_login(stack.rest_url, prefix="attach")
    body = {"symbol": "INFY", "exchange": "NSE", "side": "BUY", "quantity": 10, "price": "100",
            "executedAt": "2025-03-03T10:00:00+05:30"}  # fmt: skip
    assert requests.post(f"{stack.rest_url}/v1/executions", json=body, headers=auth(token), timeout=30).ok
    trades = requests.get(f"{stack.rest_url}/v1/trades", headers=auth(token), timeout=30).json()["items"]
    trade_id = trades[0]["tradeId"]
    # When they ask to attach a screenshot and POST a PNG with EXIF to the form
    url = f"{stack.rest_url}/v1/attachments/trades/{trade_id}"
    asked = requests.post(url, json={"fileName": "nifty.png"}, headers=auth(token), timeout=30)
    assert asked.status_code == 201, asked.text
    form, attachment_id = asked.json()["upload"], asked.json()["attachment"]["attachmentId"]
    image = Image.new("RGB", (1280, 720), (250, 250, 250))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, "PNG", exif=exif)
    sent = requests.post(
        form["url"], data=form["fields"], files={"file": ("nifty.png", out.getvalue())}, timeout=30
    )
    assert sent.status_code == 204, sent.text
    # And confirm the upload
    confirmed = requests.post(f"{stack.rest_url}/v1/attachments/{attachment_id}/confirm", headers=auth(token),
                              timeout=30)  # fmt: skip
    assert confirmed.status_code == 202, confirmed.text
    # Then the worker makes it ready, and the trade lists it with its thumbnail's size
    assert wait_until(lambda: listed(stack, token, trade_id)[0]["status"] == "ready", timeout_s=120)
    [item] = listed(stack, token, trade_id)
    assert (item["width"], item["height"], item["thumbnailWidth"], item["thumbnailHeight"]) == (
        1280,
        720,
        320,
        180,
    )
    # And moto's server answers the presigned links: the PNG without its EXIF, the JPEG thumbnail
    original = requests.get(item["url"], timeout=30)
    thumbnail = requests.get(item["thumbnailUrl"], timeout=30)
    assert original.status_code == thumbnail.status_code == 200
    assert original.headers["Content-Type"] == "image/png" and b"PhoneMaker" not in original.content
    assert Image.open(io.BytesIO(thumbnail.content)).size == (320, 180)
    # When it is deleted, Then the trade lists nothing and the link no longer downloads
    deleted = requests.delete(
        f"{stack.rest_url}/v1/attachments/{attachment_id}", headers=auth(token), timeout=30
    )
    assert deleted.status_code == 204
    assert listed(stack, token, trade_id) == []
    # (403 is S3's answer for a missing key to a signer without s3:ListBucket; moto's too)
    assert requests.get(item["url"], timeout=30).status_code in {403, 404}
